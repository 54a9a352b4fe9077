import { defineRoute } from './route.ts';
import { UsageQuerySchema, UsageReportSchema } from './telemetry.ts';

/** Model usage and cost, rolled up per tenant, agent, model, principal and day. */
export const usageRoutes = {
  getUsage: defineRoute({
    operationId: 'getUsage',
    method: 'get',
    path: '/api/v1/usage',
    tag: 'usage',
    summary: 'Model tokens and cost between two days, grouped by tenant, agent, model, principal or day',
    description:
      "Every model call counts (runs and API callers, through the gateway or direct), priced from the backends' " +
      '`cost_per_1k`; calls to unpriced backends are counted in `unpriced_calls`. With the month forecast of ' +
      "the tenant's spend and its budgets. Platform admins may group by tenant across all tenants.",
    permission: 'usage:read',
    query: UsageQuerySchema,
    success: { status: 200, description: 'The usage report', schema: UsageReportSchema },
  }),
};
