import type { Hono } from 'hono';
import { routes } from '../../contracts/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import type { ModelBackendService } from '../../registry/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';
import { parseLabelSelector } from './label-selector.ts';

export function modelBackendRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  backends: ModelBackendService,
): void {
  bindRoute(app, routes.listModelBackends, authenticator, async ({ caller, query, signal }) => ({
    body: await backends.list(
      caller.tenantId,
      { limit: query.limit, cursor: query.cursor, labels: parseLabelSelector(query.labelSelector) },
      signal,
    ),
  }));
  bindRoute(app, routes.createModelBackend, authenticator, async ({ caller, body, signal }) => {
    const backend = await backends.create(caller.tenantId, body, signal);
    return { body: backend, headers: { location: `/api/v1/model-backends/${backend.metadata.name}` } };
  });
  bindRoute(app, routes.getModelBackend, authenticator, async ({ caller, params, signal }) => ({
    body: await backends.get(caller.tenantId, params.name, signal),
  }));
  bindRoute(
    app,
    routes.replaceModelBackend,
    authenticator,
    async ({ caller, params, body, expectedVersion, signal }) => ({
      body: await backends.replace(caller.tenantId, params.name, body, { expectedVersion, signal }),
    }),
  );
  bindRoute(
    app,
    routes.deleteModelBackend,
    authenticator,
    async ({ caller, params, expectedVersion, signal }) => {
      await backends.delete(caller.tenantId, params.name, { expectedVersion, signal });
      return { body: undefined };
    },
  );
}
