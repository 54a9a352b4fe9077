import { z } from 'zod';
import {
  API_VERSION,
  DurationSchema,
  ManifestMetaSchema,
  NameSchema,
  ObjectMetaSchema,
  TimestampSchema,
} from './common.ts';
import { WorkflowSchema } from './workflow.ts';

export const AGENT_VERSION_STATUSES = ['draft', 'published', 'deprecated'] as const;
export type AgentVersionStatus = (typeof AGENT_VERSION_STATUSES)[number];

export const AGENT_RUNTIMES = ['react', 'workflow'] as const;

/** What a new run on a session with a run in progress does. */
export const SESSION_CONCURRENCY = ['reject', 'enqueue', 'interrupt'] as const;
export type SessionConcurrency = (typeof SESSION_CONCURRENCY)[number];
export type AgentRuntime = (typeof AGENT_RUNTIMES)[number];

export const AgentModelSchema = z
  .strictObject({
    backend: NameSchema.describe(
      'Name of a `kind: ModelBackend` (called directly) or a `kind: ModelAlias` (called through the model gateway)',
    ),
    name: z.string().min(1).max(256).describe('Model name the backend serves'),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().min(1).max(1_000_000).optional(),
  })
  .describe('Which model the agent thinks with');

/** What an agent's tool reference may say it is (informational: the registry knows each tool's type). */
export const TOOL_REF_TYPES = [
  'builtin',
  'http',
  'api',
  'openapi',
  'mcp',
  'agent',
  'sandbox',
  'retrieval',
] as const;

/** A tool an agent may use: a name, or the seed's `{name, type?, config?}` form. */
export const ToolRefSchema = z.union([
  z.string().min(1).max(253).describe('Tool name'),
  z.strictObject({
    name: z.string().min(1).max(253),
    type: z.enum(TOOL_REF_TYPES).optional(),
    version: z.string().max(64).optional(),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Settings passed to every call of this tool'),
  }),
]);
export type ToolRefInput = z.infer<typeof ToolRefSchema>;

export const AgentMemorySchema = z.strictObject({
  maxHistory: z.number().int().min(0).max(10_000).optional().describe('Earlier messages a run sees'),
  maxTokens: z.number().int().min(1).optional().describe('Token budget for the history a run sees'),
});

export const AgentLimitsSchema = z.strictObject({
  maxSteps: z.number().int().min(1).max(1000).optional(),
  maxTokens: z.number().int().min(1).optional(),
  timeout: DurationSchema.optional(),
});

export const AgentSpecSchema = z
  .strictObject({
    description: z.string().max(4096).optional(),
    model: AgentModelSchema,
    systemPrompt: z.string().max(200_000).optional(),
    tools: z.array(ToolRefSchema).max(256).optional(),
    runtime: z.enum(AGENT_RUNTIMES).default('react'),
    workflow: WorkflowSchema.optional().describe('The graph a workflow agent runs (runtime: workflow)'),
    memory: AgentMemorySchema.optional(),
    limits: AgentLimitsSchema.optional(),
    concurrency: z
      .enum(SESSION_CONCURRENCY)
      .default('reject')
      .describe(
        'A new run on a session with a run in progress: reject (409), enqueue, or interrupt the old one',
      ),
    fallbackMessage: z
      .string()
      .max(10_000)
      .optional()
      .describe('The answer when the model stays unavailable past its timeout (the run still fails)'),
  })
  .superRefine((spec, ctx) => {
    if (spec.runtime === 'workflow' && !spec.workflow) {
      ctx.addIssue({ code: 'custom', path: ['workflow'], message: 'runtime workflow needs a workflow' });
    }
    if (spec.runtime === 'react' && spec.workflow) {
      ctx.addIssue({ code: 'custom', path: ['workflow'], message: 'a workflow needs runtime: workflow' });
    }
  })
  .describe('What an agent is: its model, prompt, tools, runtime and limits');
export type AgentSpec = z.infer<typeof AgentSpecSchema>;
export type AgentSpecInput = z.input<typeof AgentSpecSchema>;

export const AgentManifestSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Agent'),
  metadata: ManifestMetaSchema,
  spec: AgentSpecSchema,
});
export type AgentManifest = z.infer<typeof AgentManifestSchema>;

/** The body of `POST /api/v1/agents` and `PUT /api/v1/agents/{name}`: a manifest, kind optional. */
export const AgentWriteSchema = AgentManifestSchema.extend({
  apiVersion: z.literal(API_VERSION).optional(),
  kind: z.literal('Agent').optional(),
});
export type AgentWrite = z.infer<typeof AgentWriteSchema>;

export const AgentStatusSchema = z.strictObject({
  activeVersion: z.number().int().nullable().describe('The published version runs use; null if none'),
  latestVersion: z.number().int(),
  version: z.number().int().describe('The version whose spec is shown: the active one, else the latest'),
  phase: z.enum(AGENT_VERSION_STATUSES).describe('Status of the shown version'),
});

export const AgentSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Agent'),
  metadata: ObjectMetaSchema,
  spec: AgentSpecSchema,
  status: AgentStatusSchema,
});
export type Agent = z.infer<typeof AgentSchema>;

export const AgentVersionSchema = z.strictObject({
  agent: NameSchema,
  version: z.number().int().min(1),
  status: z.enum(AGENT_VERSION_STATUSES),
  spec: AgentSpecSchema,
  specHash: z.string(),
  createdAt: TimestampSchema,
  publishedAt: TimestampSchema.nullable(),
  deprecatedAt: TimestampSchema.nullable(),
});
export type AgentVersion = z.infer<typeof AgentVersionSchema>;

export const AgentVersionCreateSchema = z.strictObject({ spec: AgentSpecSchema });
export const RollbackSchema = z.strictObject({
  version: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Target; default: the published version before the active one'),
});
export const PublishQuerySchema = z.object({
  publish: z
    .enum(['true', 'false'])
    .optional()
    .describe('Publish the new version at once (default false: it stays a draft)'),
});
