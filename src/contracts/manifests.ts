import { z } from 'zod';
import { AgentManifestSchema } from './agents.ts';
import { API_VERSION, NameSchema } from './common.ts';
import { KnowledgeBaseManifestSchema } from './knowledge.ts';
import { ModelAliasManifestSchema } from './model-aliases.ts';
import { ModelBackendManifestSchema } from './model-backends.ts';
import { PolicyManifestSchema } from './policies.ts';
import { ToolServerManifestSchema } from './tool-servers.ts';
import { ToolManifestSchema } from './tools.ts';
import { TriggerManifestSchema } from './triggers.ts';

/** Kinds `actl apply` and `POST /api/v1/apply` accept today. Later kinds join this list. */
export const MANIFEST_KINDS = [
  'Agent',
  'ModelBackend',
  'ModelAlias',
  'Policy',
  'Tool',
  'ToolServer',
  'KnowledgeBase',
  'Trigger',
] as const;
export type ManifestKind = (typeof MANIFEST_KINDS)[number];

export const MANIFEST_SCHEMAS = {
  Agent: AgentManifestSchema,
  ModelBackend: ModelBackendManifestSchema,
  ModelAlias: ModelAliasManifestSchema,
  Policy: PolicyManifestSchema,
  Tool: ToolManifestSchema,
  ToolServer: ToolServerManifestSchema,
  KnowledgeBase: KnowledgeBaseManifestSchema,
  Trigger: TriggerManifestSchema,
} as const satisfies Record<ManifestKind, z.ZodType>;

export const ManifestSchema = z.discriminatedUnion('kind', [
  AgentManifestSchema,
  ModelBackendManifestSchema,
  ModelAliasManifestSchema,
  PolicyManifestSchema,
  ToolManifestSchema,
  ToolServerManifestSchema,
  KnowledgeBaseManifestSchema,
  TriggerManifestSchema,
]);
export type Manifest = z.infer<typeof ManifestSchema>;

/** The envelope checked first, so an unknown kind gets its own clear error. */
export const ManifestEnvelopeSchema = z.object({
  apiVersion: z.literal(API_VERSION, { error: `apiVersion must be ${API_VERSION}` }),
  kind: z.enum(MANIFEST_KINDS, { error: `kind must be one of ${MANIFEST_KINDS.join(', ')}` }),
});

export const ApplyRequestSchema = z.strictObject({
  items: z.array(z.unknown()).min(1, 'items must hold at least one manifest').max(1000),
});

export const APPLY_ACTIONS = ['created', 'configured', 'unchanged'] as const;
export type ApplyAction = (typeof APPLY_ACTIONS)[number];

export const ApplyResultItemSchema = z.strictObject({
  kind: z.enum(MANIFEST_KINDS),
  name: NameSchema,
  action: z.enum(APPLY_ACTIONS),
  version: z
    .number()
    .int()
    .optional()
    .describe('For agents: the version now live (or the new draft); for policies: the version now in force'),
});
export type ApplyResultItem = z.infer<typeof ApplyResultItemSchema>;

export const ApplyResultSchema = z.strictObject({
  dryRun: z.boolean(),
  items: z.array(ApplyResultItemSchema),
});
export type ApplyResult = z.infer<typeof ApplyResultSchema>;

export const ApplyQuerySchema = z.object({
  dryRun: z.enum(['true', 'false']).optional().describe('Validate and report without writing'),
  draft: z.enum(['true', 'false']).optional().describe('Keep changed agents as drafts instead of publishing'),
});
