import { z } from 'zod';
import { agentRoutes, modelBackendRoutes } from './agent-routes.ts';
import { approvalRoutes } from './approvals.ts';
import { auditRoutes } from './audit-routes.ts';
import { feedbackRoutes } from './feedback-routes.ts';
import { guardRoutes } from './guard-routes.ts';
import { identityRoutes } from './identity-routes.ts';
import { knowledgeRoutes } from './knowledge-routes.ts';
import { ApplyQuerySchema, ApplyRequestSchema, ApplyResultSchema } from './manifests.ts';
import { modelAliasRoutes } from './model-alias-routes.ts';
import { policyRoutes } from './policy-routes.ts';
import { defineRoute } from './route.ts';
import { runRoutes } from './run-routes.ts';
import { sandboxRoutes } from './sandbox-routes.ts';
import { secretRoutes } from './secret-routes.ts';
import { toolRoutes } from './tool-routes.ts';
import { triggerRoutes } from './trigger-routes.ts';
import { usageRoutes } from './usage-routes.ts';

export const HealthSchema = z.strictObject({ status: z.enum(['ok']) });
export const ReadinessSchema = z.strictObject({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.strictObject({ ok: z.boolean(), detail: z.string().optional() })),
});
export type Readiness = z.infer<typeof ReadinessSchema>;
export const VersionInfoSchema = z.strictObject({ version: z.string(), apiVersion: z.string() });

const metaRoutes = {
  healthz: defineRoute({
    operationId: 'healthz',
    method: 'get',
    path: '/healthz',
    tag: 'health',
    summary: 'Liveness: the process is up',
    permission: 'public',
    success: { status: 200, description: 'Alive', schema: HealthSchema },
  }),
  readyz: defineRoute({
    operationId: 'readyz',
    method: 'get',
    path: '/readyz',
    tag: 'health',
    summary: 'Readiness: the database answers and migrations are applied (503 otherwise)',
    permission: 'public',
    success: { status: 200, description: 'Ready', schema: ReadinessSchema },
  }),
  version: defineRoute({
    operationId: 'getVersion',
    method: 'get',
    path: '/api/v1/version',
    tag: 'meta',
    summary: 'Server version',
    permission: 'public',
    success: { status: 200, description: 'Version', schema: VersionInfoSchema },
  }),
  apply: defineRoute({
    operationId: 'apply',
    method: 'post',
    path: '/api/v1/apply',
    tag: 'manifests',
    summary: 'Create or update objects from manifests, all or nothing',
    description:
      'Takes multi-document YAML (`application/yaml`) or JSON `{"items": [...]}`. Every document is ' +
      'validated before any is written; one transaction writes them all. Applying the same manifests ' +
      'twice changes nothing. An Agent whose spec changed is published as a new version unless `draft=true`. ' +
      'ModelBackends are written before ModelAliases, so one request may hold an alias and the backends it names.',
    permission: 'authenticated',
    query: ApplyQuerySchema,
    body: ApplyRequestSchema,
    extraBodyTypes: ['application/yaml'],
    success: { status: 200, description: 'What happened to each object', schema: ApplyResultSchema },
  }),
} as const;

/** Every API operation, by name. The server, the OpenAPI document and the typed client all read this table. */
export const routes = {
  ...metaRoutes,
  ...identityRoutes,
  ...agentRoutes,
  ...modelBackendRoutes,
  ...modelAliasRoutes,
  ...runRoutes,
  ...approvalRoutes,
  ...policyRoutes,
  ...guardRoutes,
  ...auditRoutes,
  ...secretRoutes,
  ...sandboxRoutes,
  ...usageRoutes,
  ...toolRoutes,
  ...knowledgeRoutes,
  ...feedbackRoutes,
  ...triggerRoutes,
} as const;

export type Routes = typeof routes;
