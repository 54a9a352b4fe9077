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

const DELETABLE: Record<string, ManifestKind> = { agents: 'Agent', 'model-backends': 'ModelBackend' };

/**
 * Records an `admin_change` for every successful write of the registry through the API: applied
 * manifests that changed something, and deleted agents and model backends. Registered before the
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
  app.delete('/api/v1/:collection{agents|model-backends}/:name', async (c, next) => {
    await next();
    if (c.res.status !== 204) return;
    const [collection = '', name = ''] = c.req.path.split('/').slice(3);
    await record(c, { operation: 'delete', kind: DELETABLE[collection], name }, null);
  });
}
