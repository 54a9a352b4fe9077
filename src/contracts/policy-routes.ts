import { z } from 'zod';
import { API_VERSION, NameSchema, ObjectMetaSchema, PageQuerySchema, pageSchema } from './common.ts';
import { DecisionRequestSchema, DecisionSchema, PolicySpecSchema } from './policies.ts';
import { defineRoute } from './route.ts';

/** A stored Policy: its spec, and the version every change bumps (decisions name NAME@VERSION). */
export const PolicySchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Policy'),
  metadata: ObjectMetaSchema,
  spec: PolicySpecSchema,
  status: z.strictObject({ version: z.number().int().describe('1 on create, +1 on every change') }),
});
export type Policy = z.infer<typeof PolicySchema>;

export const PolicyEvaluateSchema = z.strictObject({
  request: DecisionRequestSchema.omit({ tenant: true })
    .extend({ tenant: z.string().min(1).optional() })
    .describe('The call to decide; tenant defaults to the caller’s'),
  policies: z
    .array(z.strictObject({ name: NameSchema, spec: z.unknown() }))
    .max(100)
    .optional()
    .describe('Policy documents to decide with instead of the stored ones (for authors testing a draft)'),
});

export const PolicyEvaluationSchema = z.strictObject({
  decision: DecisionSchema,
  explanation: z.array(z.string()).describe('Human-readable lines: the deciding rule first'),
});
export type PolicyEvaluation = z.infer<typeof PolicyEvaluationSchema>;

const PolicyParams = z.object({ name: NameSchema });

export const policyRoutes = {
  listPolicies: defineRoute({
    operationId: 'listPolicies',
    method: 'get',
    path: '/api/v1/policies',
    tag: 'policies',
    summary: 'List the tenant’s policies (all of them apply together)',
    permission: 'agents:read',
    query: PageQuerySchema,
    success: { status: 200, description: 'A page of policies', schema: pageSchema(PolicySchema) },
  }),
  getPolicy: defineRoute({
    operationId: 'getPolicy',
    method: 'get',
    path: '/api/v1/policies/{name}',
    tag: 'policies',
    summary: 'Get a policy',
    permission: 'agents:read',
    params: PolicyParams,
    success: { status: 200, description: 'The policy', schema: PolicySchema },
  }),
  deletePolicy: defineRoute({
    operationId: 'deletePolicy',
    method: 'delete',
    path: '/api/v1/policies/{name}',
    tag: 'policies',
    summary: 'Delete a policy; every replica stops applying it within a second',
    permission: 'policies:write',
    params: PolicyParams,
    success: { status: 204, description: 'Deleted' },
  }),
  evaluatePolicy: defineRoute({
    operationId: 'evaluatePolicy',
    method: 'post',
    path: '/api/v1/policy:evaluate',
    tag: 'policies',
    summary: 'Dry-run a decision: what the PDP would decide for a call, and the rule that decided',
    permission: 'agents:read',
    body: PolicyEvaluateSchema,
    success: { status: 200, description: 'The decision, explained', schema: PolicyEvaluationSchema },
  }),
} as const;
