import type { Hono } from 'hono';
import { type RunTrace, routes, type UsageQuery, type UsageReport } from '../../contracts/index.ts';
import type { Authenticator, IdentityService } from '../../identity/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';

/** What the API reads of telemetry: run traces (the trace store) and usage reports. */
export interface TelemetryAccess {
  /** One answered request, for the HTTP metrics. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  runTrace(tenantId: string, runId: string, traceId: string): Promise<RunTrace>;
  usage(caller: { tenantId: string; platformAdmin: boolean }, query: UsageQuery): Promise<UsageReport>;
}

export function usageRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  identity: IdentityService,
  telemetry: TelemetryAccess,
): void {
  bindRoute(app, routes.getUsage, authenticator, async ({ caller, query }) => {
    // `tenant` is a name: platform admins may name any tenant, others only their own (else 404).
    const tenant =
      query.tenant === undefined ? undefined : (await identity.targetTenant(caller, query.tenant)).id;
    return {
      body: await telemetry.usage(
        { tenantId: caller.tenantId, platformAdmin: caller.platformAdmin },
        { ...query, tenant },
      ),
    };
  });
}
