import { z } from 'zod';
import { API_VERSION, DurationSchema, ManifestMetaSchema, NameSchema, ObjectMetaSchema } from './common.ts';

/**
 * `kind: ModelAlias`: one model name the callers use (`model: "security-analyst"`) in front of
 * several backend models, with the rule that picks one per request (seed 004 §12.2). Keys are
 * snake_case, as the seed's msig.yaml writes them.
 */

export const ROUTING_STRATEGIES = ['cost_optimized', 'latency_optimized', 'weighted', 'priority'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export const AliasTargetSchema = z
  .strictObject({
    backend: NameSchema.describe('A `kind: ModelBackend` of the tenant'),
    model: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe("One of the backend's models; may be left out when the backend serves exactly one"),
    weight: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .optional()
      .describe('Share of traffic under `weighted` (e.g. 80 and 20 for a canary); default 1'),
    priority: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .optional()
      .describe('Order under `priority`: lower first; default is the position in the list'),
  })
  .describe('A backend model the alias may send a request to');
export type AliasTarget = z.infer<typeof AliasTargetSchema>;

export const ModelAliasSpecSchema = z
  .strictObject({
    routing_strategy: z
      .enum(ROUTING_STRATEGIES)
      .default('priority')
      .describe(
        'cost_optimized: cheapest healthy target; latency_optimized: lowest live EWMA latency weighed by in-flight calls; weighted: random by weight; priority: first healthy in order',
      ),
    targets: z
      .array(AliasTargetSchema)
      .max(64)
      .optional()
      .describe('Candidate backend models; when left out, every backend with all `capabilities`'),
    capabilities: z
      .array(z.string().min(1).max(64))
      .max(64)
      .optional()
      .describe('Capabilities a target backend must all have (e.g. security_analysis)'),
    fallbacks: z
      .array(z.string().min(1).max(512))
      .max(16)
      .optional()
      .describe('Tried in order once every target failed: other aliases or `backend/model` ids'),
    degrade_to: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe('A cheaper alias or `backend/model` used once a soft budget limit is crossed'),
    retries: z
      .strictObject({
        max_attempts: z.number().int().min(1).max(10).default(3),
        backoff: DurationSchema.default('100ms').describe('Base of the exponential backoff, full jitter'),
      })
      .optional()
      .describe('Attempts per request across targets (429, 5xx, connect errors); Retry-After is honoured'),
    circuit_breaker: z
      .strictObject({
        failure_threshold: z.number().int().min(1).max(1000).default(5),
        cooldown: DurationSchema.default('30s').describe('Open time before a half-open probe'),
      })
      .optional()
      .describe('Per backend: consecutive failures that open the circuit'),
    cache: z
      .strictObject({
        enabled: z.boolean().default(true),
        ttl: DurationSchema.default('10m'),
        semantic: z
          .strictObject({
            enabled: z.boolean().default(false),
            similarity_threshold: z.number().min(0.5).max(1).default(0.92),
            embedding_model: z
              .string()
              .min(1)
              .max(512)
              .optional()
              .describe('Model (alias or backend/model) for prompt embeddings'),
          })
          .optional(),
      })
      .optional()
      .describe('Response caching for deterministic requests (temperature 0 or `cache: true`)'),
  })
  .superRefine((spec, ctx) => {
    if ((spec.targets?.length ?? 0) === 0 && (spec.capabilities?.length ?? 0) === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: 'name at least one target, or capabilities to pick backends by',
      });
    if (spec.routing_strategy === 'weighted' && spec.targets?.every((t) => (t.weight ?? 1) === 0))
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: 'weighted routing needs at least one target with weight above 0',
      });
  })
  .describe('A model name routed over several backend models');
export type ModelAliasSpec = z.infer<typeof ModelAliasSpecSchema>;
export type ModelAliasSpecInput = z.input<typeof ModelAliasSpecSchema>;

export const ModelAliasManifestSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('ModelAlias'),
  metadata: ManifestMetaSchema,
  spec: ModelAliasSpecSchema,
});
export type ModelAliasManifest = z.infer<typeof ModelAliasManifestSchema>;

export const ModelAliasSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('ModelAlias'),
  metadata: ObjectMetaSchema,
  spec: ModelAliasSpecSchema,
});
export type ModelAlias = z.infer<typeof ModelAliasSchema>;

/** The body of `POST /api/v1/model-aliases` and `PUT …/{name}`: a manifest whose apiVersion and kind may be left out. */
export const ModelAliasWriteSchema = ModelAliasManifestSchema.extend({
  apiVersion: z.literal(API_VERSION).optional(),
  kind: z.literal('ModelAlias').optional(),
});
export type ModelAliasWrite = z.infer<typeof ModelAliasWriteSchema>;
