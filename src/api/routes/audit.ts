import type { Context, Hono } from 'hono';
import { stream } from 'hono/streaming';
import type { AuditLog } from '../../audit/index.ts';
import { AUDIT_EXPORT_CONTENT_TYPE, type ManifestKind, parseJson, routes } from '../../contracts/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';

export function auditRoutes(app: Hono<AppEnv>, authenticator: Authenticator, audit: AuditLog): void {
  bindRoute(app, routes.listAuditRecords, authenticator, async ({ caller, query, signal }) => ({
    body: await audit.query(caller.tenantId, query, { limit: query.limit, cursor: query.cursor }, signal),
  }));
  bindRoute(app, routes.exportAuditRecords, authenticator, async ({ caller, query, context }) => {
    // The first page is read before the 200 goes out, so a bad filter is still a problem+json 400.
    const records = audit.export(caller.tenantId, query, context.req.raw.signal);
    const first = await records.next();
    context.header('content-type', AUDIT_EXPORT_CONTENT_TYPE);
    return {
      response: stream(
        context,
        async (out) => {
          if (first.done) return;
          await out.write(`${JSON.stringify(first.value)}\n`);
          for await (const record of records) await out.write(`${JSON.stringify(record)}\n`);
        },
        // Headers are gone by now: the client sees a truncated stream; the log says why.
        async (error) => context.get('logger').error({ err: error }, 'audit export failed'),
      ),
    };
  });
  bindRoute(app, routes.verifyAuditLog, authenticator, async ({ caller, signal }) => ({
    body: await audit.verify(caller.tenantId, signal),
  }));
}

const DELETABLE: Record<string, ManifestKind> = {
  agents: 'Agent',
  'model-backends': 'ModelBackend',
  'model-aliases': 'ModelAlias',
  policies: 'Policy',
};
const ADMIN_WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const OPERATION_OF: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'update',
  DELETE: 'delete',
};
/** Collections whose writes are administration (runs, approvals and guard scans have their own records). */
const ADMIN_COLLECTIONS = new Set([
  'agents',
  'model-backends',
  'model-aliases',
  'policies',
  'principals',
  'api-keys',
  'tenants',
  'secrets',
  'tools',
  'tool-servers',
]);

/**
 * Records an `admin_change` for every successful administrative write through the API: applied
 * manifests that changed something (with what changed), and writes to agents, model backends,
 * model aliases, policies, principals, API keys and tenants. Registered before the
 * routes, it runs after their handlers. The change is already committed when the record is
 * written; if the append fails, the request answers 500 (the change stands, unaudited, and the
 * error is logged).
 */
export function auditAdminChanges(app: Hono<AppEnv>, audit: AuditLog): void {
  const record = (c: Context<AppEnv>, input: Record<string, unknown>, output: unknown) => {
    const caller = c.get('caller');
    if (!caller) return Promise.resolve();
    return audit.append(
      caller.tenantId,
      {
        actorType: 'principal',
        actor: caller.principalName,
        action: 'admin_change',
        userId: caller.principalId,
        traceId: c.get('requestId'),
        input,
        output,
      },
      // No request signal: a client that hangs up after its change committed must not skip the record.
    );
  };
  app.post('/api/v1/apply', async (c, next) => {
    await next();
    if (c.res.status !== 200) return;
    const json = parseJson(await c.res.clone().text());
    const result = json.ok ? routes.apply.success.schema?.safeParse(json.value) : undefined;
    if (!result?.success || result.data.dryRun) return;
    const changed = result.data.items.filter((item) => item.action !== 'unchanged');
    if (changed.length > 0) await record(c, { operation: 'apply' }, { items: changed });
  });
  // Every other successful write to an administered resource: what was done to which object, by
  // whom. Bodies are not recorded (an API key's creation answers with the key itself).
  app.use('/api/v1/*', async (c, next) => {
    await next();
    if (!ADMIN_WRITE_METHODS.has(c.req.method) || c.res.status >= 300 || c.req.path === '/api/v1/apply')
      return;
    const [collection = '', name] = c.req.path.split('/').slice(3);
    const base = collection.split(':')[0] ?? '';
    // Starting a run (`/agents/{name}/runs`) is not administration; the run has its own records.
    if (!ADMIN_COLLECTIONS.has(base) || c.req.path.endsWith('/runs')) return;
    const verb = name?.includes(':') ? name.split(':')[1] : undefined;
    // A tool call is not administration either: it has its own tool_call record.
    if (verb === 'invoke') return;
    await record(
      c,
      {
        operation: verb ?? OPERATION_OF[c.req.method] ?? c.req.method.toLowerCase(),
        ...(DELETABLE[base] ? { kind: DELETABLE[base] } : {}),
        ...(name ? { name: name.split(':')[0] } : {}),
        path: c.req.path,
      },
      null,
    );
  });
}
