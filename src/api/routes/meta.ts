import type { Hono } from 'hono';
import { API_VERSION, buildOpenApiDocument, type Readiness, routes } from '../../contracts/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';

export function metaRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  readiness: (signal: AbortSignal) => Promise<Readiness>,
  version: string,
): void {
  bindRoute(app, routes.healthz, authenticator, async () => ({ body: { status: 'ok' as const } }));
  bindRoute(app, routes.readyz, authenticator, async ({ signal }) => {
    const report = await readiness(signal);
    return { body: report, status: report.status === 'ready' ? 200 : 503 };
  });
  bindRoute(app, routes.version, authenticator, async () => ({ body: { version, apiVersion: API_VERSION } }));
  const document = buildOpenApiDocument(routes, version);
  app.get('/api/v1/openapi.json', (c) => c.json(document));
}
