import { z } from 'zod';
import { API_VERSION, DurationSchema, ManifestMetaSchema, ObjectMetaSchema } from './common.ts';
import { SecretRefSchema } from './secrets.ts';

export const MODEL_BACKEND_TYPES = ['openai-compatible'] as const;
export type ModelBackendType = (typeof MODEL_BACKEND_TYPES)[number];

export const TRUST_LEVELS = ['internal', 'external'] as const;

export const ModelBackendSpecSchema = z
  .strictObject({
    type: z
      .enum(MODEL_BACKEND_TYPES)
      .describe('Wire protocol; openai-compatible covers vLLM, Ollama, OpenAI'),
    endpoint: z
      .url({ protocol: /^https?$/, error: 'endpoint must be an http(s) URL' })
      .describe('Base URL, e.g. http://127.0.0.1:8000/v1'),
    models: z.array(z.string().min(1).max(256)).min(1).max(1000).describe('Model names served'),
    apiKeySecretRef: SecretRefSchema.optional().describe(
      'Secret whose value is sent as `Authorization: Bearer <value>` to the backend (hosted APIs)',
    ),
    capabilities: z.array(z.string().min(1).max(64)).max(64).optional(),
    trust: z.enum(TRUST_LEVELS).optional().describe('external: prompts leave the company (masked)'),
    cost_per_1k: z
      .union([
        z.number().min(0).max(1_000_000),
        z.strictObject({
          input: z.number().min(0).max(1_000_000),
          output: z.number().min(0).max(1_000_000),
        }),
      ])
      .optional()
      .describe('Price per 1,000 tokens in USD: one number for both, or input / output'),
    maxConcurrency: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe('Calls in flight to this backend at once; more wait in a queue'),
    maxQueue: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .optional()
      .describe('Calls that may wait for a slot; past it the gateway answers 503 with Retry-After'),
    timeout: DurationSchema.optional(),
  })
  .describe('A model server the gateway can route to');
export type ModelBackendSpec = z.infer<typeof ModelBackendSpecSchema>;

export const ModelBackendManifestSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('ModelBackend'),
  metadata: ManifestMetaSchema,
  spec: ModelBackendSpecSchema,
});
export type ModelBackendManifest = z.infer<typeof ModelBackendManifestSchema>;

export const ModelBackendWriteSchema = ModelBackendManifestSchema.extend({
  apiVersion: z.literal(API_VERSION).optional(),
  kind: z.literal('ModelBackend').optional(),
});
export type ModelBackendWrite = z.infer<typeof ModelBackendWriteSchema>;

export const ModelBackendSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('ModelBackend'),
  metadata: ObjectMetaSchema,
  spec: ModelBackendSpecSchema,
});
export type ModelBackend = z.infer<typeof ModelBackendSchema>;
