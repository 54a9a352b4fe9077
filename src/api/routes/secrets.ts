import type { Hono } from 'hono';
import { routes } from '../../contracts/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import type { SecretService } from '../../secrets/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';

export function secretRoutes(app: Hono<AppEnv>, authenticator: Authenticator, secrets: SecretService): void {
  bindRoute(app, routes.listSecrets, authenticator, async ({ caller, query, signal }) => ({
    body: await secrets.list(caller.tenantId, query, signal),
  }));
  bindRoute(app, routes.getSecret, authenticator, async ({ caller, params, signal }) => ({
    body: await secrets.get(caller.tenantId, params.name, signal),
  }));
  bindRoute(app, routes.putSecret, authenticator, async ({ caller, params, body, signal }) => ({
    body: await secrets.put(caller.tenantId, params.name, body, signal),
  }));
  bindRoute(app, routes.deleteSecret, authenticator, async ({ caller, params, signal }) => {
    await secrets.delete(caller.tenantId, params.name, signal);
    return { body: undefined };
  });
  bindRoute(app, routes.rotateSecretKey, authenticator, async () => ({ body: await secrets.rotate() }));
}
