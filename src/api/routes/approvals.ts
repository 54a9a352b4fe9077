import type { Hono } from 'hono';
import { routes } from '../../contracts/index.ts';
import type { Authenticator, Caller } from '../../identity/index.ts';
import type { ApprovalService, Approver } from '../../orchestrator/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';

const approverOf = (caller: Caller): Approver => ({
  tenantId: caller.tenantId,
  principal: caller.principalName,
  roles: caller.roles,
  groups: caller.groups,
});

export function approvalRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  approvals: ApprovalService,
): void {
  bindRoute(app, routes.listApprovals, authenticator, async ({ caller, query }) => ({
    body: await approvals.list(caller.tenantId, query),
  }));
  bindRoute(app, routes.getApproval, authenticator, async ({ caller, params }) => ({
    body: await approvals.get(caller.tenantId, params.id),
  }));
  bindRoute(app, routes.approveApproval, authenticator, async ({ caller, params, body }) => ({
    body: await approvals.decide(approverOf(caller), params.id, 'approve', body.comment),
  }));
  bindRoute(app, routes.rejectApproval, authenticator, async ({ caller, params, body }) => ({
    body: await approvals.decide(approverOf(caller), params.id, 'reject', body.comment),
  }));
}
