import type { Hono } from 'hono';
import { routes } from '../../contracts/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import { type CompiledPolicy, compilePolicy, evaluate, explainDecision } from '../../policy/index.ts';
import type { PolicyService } from '../../registry/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';

/** The tenant's live policies, compiled (the same engine workers decide with). */
export type LivePolicies = (tenantId: string) => Promise<CompiledPolicy[]>;

export function policyRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  policies: PolicyService,
  live: LivePolicies,
): void {
  bindRoute(app, routes.listPolicies, authenticator, async ({ caller, query }) => ({
    body: await policies.list(caller.tenantId, query),
  }));
  bindRoute(app, routes.getPolicy, authenticator, async ({ caller, params }) => ({
    body: await policies.get(caller.tenantId, params.name),
  }));
  bindRoute(app, routes.deletePolicy, authenticator, async ({ caller, params }) => {
    await policies.delete(caller.tenantId, params.name);
    return { body: undefined };
  });
  bindRoute(app, routes.evaluatePolicy, authenticator, async ({ caller, body }) => {
    const compiled = body.policies
      ? body.policies.map((p, index) =>
          compilePolicy(p.spec, { name: p.name, version: 0, pointerPrefix: `/policies/${index}/spec` }),
        )
      : await live(caller.tenantId);
    const decision = evaluate(compiled, { ...body.request, tenant: caller.tenantName });
    return { body: { decision, explanation: explainDecision(decision) } };
  });
}
