import type { Hono } from 'hono';
import { routes } from '../../contracts/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import type { ModelAliasService } from '../../registry/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';
import { parseLabelSelector } from './label-selector.ts';

export function modelAliasRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  aliases: ModelAliasService,
): void {
  bindRoute(app, routes.listModelAliases, authenticator, async ({ caller, query, signal }) => ({
    body: await aliases.list(
      caller.tenantId,
      { limit: query.limit, cursor: query.cursor, labels: parseLabelSelector(query.labelSelector) },
      signal,
    ),
  }));
  bindRoute(app, routes.createModelAlias, authenticator, async ({ caller, body, signal }) => {
    const alias = await aliases.create(caller.tenantId, body, signal);
    return { body: alias, headers: { location: `/api/v1/model-aliases/${alias.metadata.name}` } };
  });
  bindRoute(app, routes.getModelAlias, authenticator, async ({ caller, params, signal }) => ({
    body: await aliases.get(caller.tenantId, params.name, signal),
  }));
  bindRoute(
    app,
    routes.replaceModelAlias,
    authenticator,
    async ({ caller, params, body, expectedVersion, signal }) => ({
      body: await aliases.replace(caller.tenantId, params.name, body, { expectedVersion, signal }),
    }),
  );
  bindRoute(
    app,
    routes.deleteModelAlias,
    authenticator,
    async ({ caller, params, expectedVersion, signal }) => {
      await aliases.delete(caller.tenantId, params.name, { expectedVersion, signal });
      return { body: undefined };
    },
  );
}
