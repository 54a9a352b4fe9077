import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import { PLATFORM_TENANT, routes, type Trigger } from '../../contracts/index.ts';
import { parseOrThrow } from '../../core/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import type { TriggerService } from '../../registry/index.ts';
import type { HookService } from '../../triggers/index.ts';
import { bindRoute, toHonoPath } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';
import { parseLabelSelector } from './label-selector.ts';

export interface TriggerAccess {
  triggers: TriggerService;
  hooks: HookService;
}

/** Where a webhook trigger receives deliveries: the short path in the platform tenant. */
const hookPathOf = (tenant: string, name: string) =>
  tenant === PLATFORM_TENANT ? `/api/v1/hooks/${name}` : `/api/v1/tenants/${tenant}/hooks/${name}`;

/** A webhook trigger's status names where it receives deliveries, in the caller's tenant. */
function withHookPath(trigger: Trigger, tenantName: string): Trigger {
  if (trigger.spec.type !== 'webhook' || !trigger.status) return trigger;
  return {
    ...trigger,
    status: { ...trigger.status, hookPath: hookPathOf(tenantName, trigger.metadata.name) },
  };
}

/**
 * Registers a hook route by hand rather than through bindRoute: the signature covers the raw
 * bytes of the body, so the body is read as sent, whatever its content type, and parsed only
 * once it is authentic. The general body limit applies (the app's middleware).
 */
function bindHook(
  app: Hono<AppEnv>,
  route: typeof routes.receiveHook | typeof routes.receiveTenantHook,
  hooks: HookService,
): void {
  app.post(toHonoPath(route.path).pattern, async (c: Context<AppEnv>) => {
    // Both routes declare their path parameters; the short one has no tenant (the platform's).
    const schema = route.params as z.ZodType<{ name: string; tenant?: string }>;
    const params = parseOrThrow(schema, c.req.param(), 'the path', '/params');
    const body = new Uint8Array(await c.req.arrayBuffer());
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const { result, created } = await hooks.receive(
      { tenant: params.tenant, name: params.name, body, headers },
      c.req.raw.signal,
    );
    return c.json(result, created ? 202 : 200);
  });
}

export function triggerRoutes(app: Hono<AppEnv>, authenticator: Authenticator, access: TriggerAccess): void {
  const { triggers, hooks } = access;
  bindRoute(app, routes.listTriggers, authenticator, async ({ caller, query, signal }) => {
    const page = await triggers.list(
      caller.tenantId,
      { limit: query.limit, cursor: query.cursor, labels: parseLabelSelector(query.labelSelector) },
      signal,
    );
    return { body: { ...page, items: page.items.map((t) => withHookPath(t, caller.tenantName)) } };
  });
  bindRoute(app, routes.createTrigger, authenticator, async ({ caller, body, signal }) => {
    const trigger = await triggers.create(caller.tenantId, body, signal);
    return {
      body: withHookPath(trigger, caller.tenantName),
      headers: { location: `/api/v1/triggers/${trigger.metadata.name}` },
    };
  });
  bindRoute(app, routes.getTrigger, authenticator, async ({ caller, params, signal }) => ({
    body: withHookPath(await triggers.get(caller.tenantId, params.name, signal), caller.tenantName),
  }));
  bindRoute(
    app,
    routes.replaceTrigger,
    authenticator,
    async ({ caller, params, body, expectedVersion, signal }) => ({
      body: withHookPath(
        await triggers.replace(caller.tenantId, params.name, body, { expectedVersion, signal }),
        caller.tenantName,
      ),
    }),
  );
  bindRoute(app, routes.deleteTrigger, authenticator, async ({ caller, params, expectedVersion, signal }) => {
    await triggers.delete(caller.tenantId, params.name, { expectedVersion, signal });
    return { body: undefined };
  });
  bindHook(app, routes.receiveHook, hooks);
  bindHook(app, routes.receiveTenantHook, hooks);
}
