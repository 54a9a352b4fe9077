import { z } from 'zod';
import { SandboxLimitsSchema, TRACE_SAMPLERS } from '../contracts/index.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const MiB = 1024 * 1024;

export const OidcConfigSchema = z.strictObject({
  issuer: z.url().describe('Expected `iss` of bearer JWTs'),
  audience: z.string().min(1).describe('Expected `aud`'),
  jwksUrl: z.url().describe('Where the signing keys are published'),
  tenantClaim: z.string().min(1).default('tenant').describe('Claim naming the tenant'),
  rolesClaim: z.string().min(1).default('roles').describe('Claim listing roles (array or space-separated)'),
  defaultTenant: z.string().optional().describe('Tenant for tokens without the tenant claim'),
});

const Flag = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => ['true', '1', 'yes'].includes(value)),
]);

/** The whole server configuration, parsed once at start-up; no other module reads the environment. */
export const ConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(7070),
  dataDir: z.string().min(1).default('./.agenticai').describe('PGlite files and admin.key live here'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'databaseUrl must be a postgres:// URL')
    .optional()
    .describe('PostgreSQL server; unset means embedded PGlite in dataDir'),
  databaseSchema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'databaseSchema must be a lowercase SQL identifier')
    .optional()
    .describe('Postgres schema to use (default public); lets several installs share one database'),
  pgliteSharedBuffersMb: z
    .union([z.literal('auto'), z.coerce.number().int().min(16).max(2048)], {
      error: 'must be auto or a whole number of MB from 16 to 2048',
    })
    .default('auto')
    .describe(
      "Embedded PGlite's buffer cache in MB (16-2048), or auto: half the database's tables and indexes, " +
        'between 128 MB and 1 GB (at most an eighth of memory). Large knowledge bases search faster with more',
    ),
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'redisUrl must be a redis:// URL')
    .optional()
    .describe('Redis for the shared cache; unset means an in-process cache'),
  bodyLimitBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * MiB)
    .default(MiB),
  knowledgeUploadLimitBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(4096 * MiB)
    .default(64 * MiB)
    .describe('Largest document upload (POST /api/v1/knowledge-bases/{kb}/documents); bigger gets 413'),
  knowledgeRetentionSweepMs: z.coerce
    .number()
    .int()
    .min(100)
    .default(10 * 60_000)
    .describe("How often documents past their knowledge base's retention are deleted"),
  bootstrapAdminKey: z.string().min(8, 'the bootstrap admin key needs at least 8 characters').optional(),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  shutdownTimeoutMs: z.coerce.number().int().min(0).default(10_000),
  demo: z
    .boolean()
    .default(false)
    .describe(
      'Load the example agents and the security-operations scenario into a fresh store, and start its tool servers',
    ),
  openaiBaseUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .optional()
    .describe(
      'An OpenAI-compatible API (vLLM, Ollama, llama.cpp server, OpenAI...) the demo agents think with, as ModelBackend demo-llm',
    ),
  openaiApiKey: z.string().min(1).optional().describe('Its API key (kept as the secret demo-llm-key)'),
  openaiModel: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('The model to ask for; default: the first the server lists at /models'),
  workers: Flag.default(true).describe(
    'Run workers in this process (serve and up); actl worker runs only workers',
  ),
  workerConcurrency: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(16)
    .describe('Runs one worker executes at once'),
  workerLeaseMs: z.coerce
    .number()
    .int()
    .min(500)
    .max(600_000)
    .default(15_000)
    .describe(
      "How long a claimed run stays leased without a heartbeat; a crashed worker's runs resume after it",
    ),
  workerPollMs: z.coerce
    .number()
    .int()
    .min(50)
    .max(60_000)
    .default(1000)
    .describe('Fallback poll of the run queue'),
  triggerPollMs: z.coerce
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(1000)
    .describe('How often workers look for due schedule triggers'),
  approvalWebhookUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .optional()
    .describe('POSTed when an approval is requested or decided (chat / IM integrations)'),
  approvalWebhookSecret: z
    .string()
    .min(16, 'use at least 16 characters')
    .optional()
    .describe('Key of the HMAC-SHA256 signature in X-Agenticai-Signature (never logged)'),
  piiHashKey: z
    .string()
    .min(16, 'use at least 16 characters')
    .optional()
    .describe('Key of the hash PII action (stable HMAC); without it a per-install key is derived'),
  secretKey: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The 32-byte key (base64 or hex) that seals secrets; unset, one is generated into dataDir/secret.key. ' +
        'Replicas sharing a database need the same key',
    ),
  secretKeyPrevious: z
    .union([z.array(z.string().min(1)), z.string().transform((value) => value.split(',').filter(Boolean))])
    .default([])
    .describe(
      'Older keys (comma-separated) that still open what they sealed, until `actl secrets rotate-key`',
    ),
  toolStdioCommands: z
    .union([z.array(z.string().min(1)), z.string().transform((value) => value.split(',').filter(Boolean))])
    .default([])
    .describe(
      'Programs a stdio ToolServer may run on this host (exact match, comma-separated); none by default',
    ),
  toolApprovalWaitMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(60_000)
    .describe(
      'How long an MCP gateway call behind an approval gate waits for a person before it fails naming the approval',
    ),
  toolResultMaxBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * MiB)
    .default(MiB)
    .describe('Largest tool result passed on; larger ones are cut with a marker'),
  sandboxDriver: z
    .enum(['auto', 'gvisor', 'bubblewrap', 'kubernetes', 'none'])
    .default('auto')
    .describe(
      'Where code runs: auto picks the strongest that works (gVisor, then bubblewrap); none turns code tools off. Never the host',
    ),
  sandboxRoot: z
    .string()
    .min(1)
    .optional()
    .describe("Folder for sandboxes' workspaces (default: a folder per data dir under the system temp dir)"),
  sandboxPoolSize: z.coerce
    .number()
    .int()
    .min(0)
    .max(256)
    .default(2)
    .describe('Sandboxes kept ready with the default limits, so a create is instant'),
  sandboxIdleTtlMs: z.coerce
    .number()
    .int()
    .min(1000)
    .default(600_000)
    .describe('A sandbox unused this long is destroyed'),
  sandboxMaxLifetimeMs: z.coerce
    .number()
    .int()
    .min(1000)
    .default(3_600_000)
    .describe('No sandbox lives longer, used or not'),
  sandboxLimits: SandboxLimitsSchema.partial()
    .default({})
    .describe(
      'Default limits of every sandbox (timeoutMs, cpuSeconds, memoryBytes, maxProcesses, maxOutputBytes, workspaceBytes)',
    ),
  sandboxKubernetes: z
    .strictObject({
      namespace: z.string().min(1),
      image: z.string().min(1),
      runtimeClassName: z.string().min(1).default('gvisor'),
      context: z.string().optional(),
    })
    .optional()
    .describe('For sandboxDriver: kubernetes: where sandbox pods run (through kubectl)'),
  telemetry: Flag.default(true).describe(
    'Traces, span-derived metrics and the usage roll-up (OTEL_SDK_DISABLED=true turns it off: runs then leave no spans, usage reports stay empty)',
  ),
  serviceName: z.string().min(1).default('agenticai').describe('service.name of spans (OTEL_SERVICE_NAME)'),
  otlpExport: Flag.default(false).describe(
    'Export spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (on when that variable is set); the other OTEL_EXPORTER_OTLP_* variables apply',
  ),
  traceSampler: z
    .enum(TRACE_SAMPLERS)
    .default('parentbased_always_on')
    .describe(
      'Which traces are exported (OTEL_TRACES_SAMPLER); metrics and costs count every call regardless',
    ),
  traceSamplerRatio: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe('Ratio of the ratio samplers (OTEL_TRACES_SAMPLER_ARG)'),
  traceStore: Flag.default(true).describe(
    'Keep spans in the platform database too, for GET /api/v1/runs/{id}/trace and actl runs trace',
  ),
  traceRetentionDays: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(7)
    .describe('Days the trace store keeps spans'),
  traceContent: Flag.default(false).describe(
    'Put prompts and completions on LLM.Invoke spans (gen_ai.input.messages, gen_ai.output.messages), PII-masked; off by default',
  ),
  metricsLoopback: Flag.default(true).describe(
    'GET /metrics is open to loopback clients (a Prometheus sidecar); off: every scrape needs a key with metrics:read',
  ),
  logPretty: z
    .enum(['auto', 'true', 'false'])
    .default('auto')
    .describe('Human-readable logs: auto means when stdout is a terminal; JSON lines otherwise'),
  oidc: OidcConfigSchema.optional(),
});
export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type OidcConfig = z.infer<typeof OidcConfigSchema>;
