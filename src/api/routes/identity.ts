import type { Hono } from 'hono';
import { routes } from '../../contracts/index.ts';
import type { Authenticator, IdentityService } from '../../identity/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';

export function identityRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  identity: IdentityService,
): void {
  bindRoute(app, routes.whoami, authenticator, async ({ caller }) => ({
    body: {
      principal: caller.principalName,
      principalId: caller.principalId,
      tenant: caller.tenantName,
      roles: caller.roles,
      groups: caller.groups,
      clearance: caller.clearance,
      permissions: [...caller.permissions].sort(),
      authMethod: caller.authMethod,
    },
  }));

  bindRoute(app, routes.listTenants, authenticator, async ({ caller, query }) => ({
    body: await identity.listTenants(caller, query),
  }));
  bindRoute(app, routes.createTenant, authenticator, async ({ body }) => ({
    body: await identity.createTenant(body.name, body.displayName),
  }));
  bindRoute(app, routes.getTenant, authenticator, async ({ caller, params }) => ({
    body: await identity.getTenant(caller, params.name),
  }));
  bindRoute(app, routes.deleteTenant, authenticator, async ({ params }) => {
    await identity.deleteTenant(params.name);
    return { body: undefined };
  });

  bindRoute(app, routes.listPrincipals, authenticator, async ({ caller, query }) => ({
    body: await identity.listPrincipals(await identity.targetTenant(caller, query.tenant), query),
  }));
  bindRoute(app, routes.createPrincipal, authenticator, async ({ caller, query, body }) => ({
    body: await identity.createPrincipal(await identity.targetTenant(caller, query.tenant), body),
  }));
  bindRoute(app, routes.getPrincipal, authenticator, async ({ caller, params, query }) => ({
    body: await identity.getPrincipal(await identity.targetTenant(caller, query.tenant), params.name),
  }));
  bindRoute(app, routes.updatePrincipal, authenticator, async ({ caller, params, query, body }) => ({
    body: await identity.updatePrincipal(
      caller,
      await identity.targetTenant(caller, query.tenant),
      params.name,
      body,
    ),
  }));
  bindRoute(app, routes.deletePrincipal, authenticator, async ({ caller, params, query }) => {
    await identity.deletePrincipal(caller, await identity.targetTenant(caller, query.tenant), params.name);
    return { body: undefined };
  });

  bindRoute(app, routes.listApiKeys, authenticator, async ({ caller, query }) => ({
    body: await identity.listApiKeys(await identity.targetTenant(caller, query.tenant), query),
  }));
  bindRoute(app, routes.createApiKey, authenticator, async ({ caller, query, body }) => ({
    body: await identity.createApiKey(await identity.targetTenant(caller, query.tenant), body),
  }));
  bindRoute(app, routes.getApiKey, authenticator, async ({ caller, params, query }) => ({
    body: await identity.getApiKey(await identity.targetTenant(caller, query.tenant), params.id),
  }));
  bindRoute(app, routes.revokeApiKey, authenticator, async ({ caller, params, query }) => ({
    body: await identity.revokeApiKey(await identity.targetTenant(caller, query.tenant), params.id),
  }));
}
