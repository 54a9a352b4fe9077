import type { Hono } from 'hono';
import { type ManifestKind, type Permission, routes } from '../../contracts/index.ts';
import { assertNever } from '../../core/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import type { ApplyService } from '../../registry/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';

function writePermission(kind: ManifestKind): Permission {
  switch (kind) {
    case 'Agent':
      return 'agents:write';
    case 'ModelBackend':
    case 'ModelAlias':
      return 'model-backends:write';
    case 'Policy':
      return 'policies:write';
    case 'Tool':
    case 'ToolServer':
      return 'tools:write';
    case 'KnowledgeBase':
      return 'knowledge:write';
    case 'Trigger':
      return 'triggers:write';
    default:
      return assertNever(kind);
  }
}

export function applyRoutes(app: Hono<AppEnv>, authenticator: Authenticator, apply: ApplyService): void {
  bindRoute(app, routes.apply, authenticator, async ({ caller, query, body, signal }) => ({
    body: await apply.apply(caller.tenantId, body.items, {
      dryRun: query.dryRun === 'true',
      draft: query.draft === 'true',
      mayWrite: (kind) => caller.permissions.has(writePermission(kind)),
      signal,
    }),
  }));
}
