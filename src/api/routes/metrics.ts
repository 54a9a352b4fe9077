import { getConnInfo } from '@hono/node-server/conninfo';
import type { Hono } from 'hono';
import { PLATFORM_TENANT } from '../../contracts/index.ts';
import { AppError } from '../../core/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import type { AppEnv } from '../context.ts';

/** The Prometheus text exposition of the process's metrics. */
export type MetricsExposition = () => Promise<{ contentType: string; body: string }>;

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * `GET /metrics`: open to clients on the loopback interface (a Prometheus sidecar, `curl` on the
 * host) unless `metricsLoopback` is off; anyone else needs an API key of the platform tenant with `metrics:read`. The metrics cover
 * every tenant of the process, so a tenant's own admin does not get them.
 */
export function metricsRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  metrics: MetricsExposition,
  loopbackOpen = true,
): void {
  app.get('/metrics', async (c) => {
    const address = getConnInfo(c).remote.address ?? '';
    if (!loopbackOpen || !LOOPBACK.test(address)) {
      const caller = await authenticator.authenticate(c.req.header('authorization'));
      c.set('caller', caller);
      if (
        !caller.platformAdmin &&
        !(caller.tenantName === PLATFORM_TENANT && caller.permissions.has('metrics:read'))
      )
        throw new AppError(
          'PERMISSION_DENIED',
          'metrics cover every tenant: they need metrics:read in the platform tenant, or a loopback client',
        );
    }
    const { contentType, body } = await metrics();
    return c.body(body, 200, { 'content-type': contentType });
  });
}
