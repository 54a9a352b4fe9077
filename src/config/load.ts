import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AppError, fieldErrorsOf } from '../core/index.ts';
import { type Config, type ConfigInput, ConfigSchema } from './schema.ts';

type Env = Record<string, string | undefined>;

/** Environment variables and the config key each sets. */
const ENV_KEYS: Array<[string, keyof ConfigInput]> = [
  ['AGENTICAI_HOST', 'host'],
  ['AGENTICAI_PORT', 'port'],
  ['AGENTICAI_DATA_DIR', 'dataDir'],
  ['DATABASE_URL', 'databaseUrl'],
  ['AGENTICAI_DATABASE_URL', 'databaseUrl'],
  ['AGENTICAI_DATABASE_SCHEMA', 'databaseSchema'],
  ['AGENTICAI_PGLITE_SHARED_BUFFERS_MB', 'pgliteSharedBuffersMb'],
  ['REDIS_URL', 'redisUrl'],
  ['AGENTICAI_REDIS_URL', 'redisUrl'],
  ['AGENTICAI_BODY_LIMIT_BYTES', 'bodyLimitBytes'],
  ['AGENTICAI_KNOWLEDGE_UPLOAD_LIMIT_BYTES', 'knowledgeUploadLimitBytes'],
  ['AGENTICAI_KNOWLEDGE_RETENTION_SWEEP_MS', 'knowledgeRetentionSweepMs'],
  ['AGENTICAI_BOOTSTRAP_ADMIN_KEY', 'bootstrapAdminKey'],
  ['AGENTICAI_LOG_LEVEL', 'logLevel'],
  ['AGENTICAI_SHUTDOWN_TIMEOUT_MS', 'shutdownTimeoutMs'],
  ['AGENTICAI_WORKERS', 'workers'],
  ['AGENTICAI_WORKER_CONCURRENCY', 'workerConcurrency'],
  ['AGENTICAI_WORKER_LEASE_MS', 'workerLeaseMs'],
  ['AGENTICAI_WORKER_POLL_MS', 'workerPollMs'],
  ['AGENTICAI_TRIGGER_POLL_MS', 'triggerPollMs'],
  ['AGENTICAI_OPENAI_BASE_URL', 'openaiBaseUrl'],
  ['AGENTICAI_OPENAI_API_KEY', 'openaiApiKey'],
  ['AGENTICAI_OPENAI_MODEL', 'openaiModel'],
  ['AGENTICAI_APPROVAL_WEBHOOK_URL', 'approvalWebhookUrl'],
  ['AGENTICAI_APPROVAL_WEBHOOK_SECRET', 'approvalWebhookSecret'],
  ['AGENTICAI_PII_HASH_KEY', 'piiHashKey'],
  ['AGENTICAI_SECRET_KEY', 'secretKey'],
  ['AGENTICAI_SECRET_KEY_PREVIOUS', 'secretKeyPrevious'],
  ['AGENTICAI_TOOL_STDIO_COMMANDS', 'toolStdioCommands'],
  ['AGENTICAI_TOOL_RESULT_MAX_BYTES', 'toolResultMaxBytes'],
  ['AGENTICAI_TOOL_APPROVAL_WAIT_MS', 'toolApprovalWaitMs'],
  ['AGENTICAI_SANDBOX_DRIVER', 'sandboxDriver'],
  ['AGENTICAI_SANDBOX_ROOT', 'sandboxRoot'],
  ['AGENTICAI_SANDBOX_POOL_SIZE', 'sandboxPoolSize'],
  ['AGENTICAI_SANDBOX_IDLE_TTL_MS', 'sandboxIdleTtlMs'],
  ['AGENTICAI_SANDBOX_MAX_LIFETIME_MS', 'sandboxMaxLifetimeMs'],
  ['OTEL_SERVICE_NAME', 'serviceName'],
  ['OTEL_TRACES_SAMPLER', 'traceSampler'],
  ['OTEL_TRACES_SAMPLER_ARG', 'traceSamplerRatio'],
  ['AGENTICAI_OTLP_EXPORT', 'otlpExport'],
  ['AGENTICAI_TELEMETRY', 'telemetry'],
  ['AGENTICAI_TRACE_STORE', 'traceStore'],
  ['AGENTICAI_TRACE_RETENTION_DAYS', 'traceRetentionDays'],
  ['AGENTICAI_TRACE_CONTENT', 'traceContent'],
  ['AGENTICAI_METRICS_LOOPBACK', 'metricsLoopback'],
  ['AGENTICAI_LOG_PRETTY', 'logPretty'],
];

const OIDC_ENV_KEYS: Array<[string, string]> = [
  ['AGENTICAI_OIDC_ISSUER', 'issuer'],
  ['AGENTICAI_OIDC_AUDIENCE', 'audience'],
  ['AGENTICAI_OIDC_JWKS_URL', 'jwksUrl'],
  ['AGENTICAI_OIDC_TENANT_CLAIM', 'tenantClaim'],
  ['AGENTICAI_OIDC_ROLES_CLAIM', 'rolesClaim'],
  ['AGENTICAI_OIDC_DEFAULT_TENANT', 'defaultTenant'],
];

function fromEnv(env: Env): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, key] of ENV_KEYS) {
    const value = env[name];
    if (value !== undefined && value !== '') values[key] = value;
  }
  const oidc: Record<string, string> = {};
  for (const [name, key] of OIDC_ENV_KEYS) {
    const value = env[name];
    if (value !== undefined && value !== '') oidc[key] = value;
  }
  if (Object.keys(oidc).length > 0) values.oidc = oidc;
  // The standard variables: OTEL_SDK_DISABLED turns telemetry off, an OTLP endpoint turns export on
  // (unless AGENTICAI_TELEMETRY / AGENTICAI_OTLP_EXPORT say otherwise).
  if (env.OTEL_SDK_DISABLED === 'true' && values.telemetry === undefined) values.telemetry = false;
  if (
    values.otlpExport === undefined &&
    (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  )
    values.otlpExport = true;
  return values;
}

function fromFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AppError('INVALID_REQUEST', `config file ${path} cannot be read: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AppError('INVALID_REQUEST', `config file ${path} must be a YAML mapping`);
  }
  return parsed as Record<string, unknown>;
}

function merge(...layers: Array<Record<string, unknown>>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const previous = result[key];
      result[key] =
        key === 'oidc' && typeof previous === 'object' && typeof value === 'object'
          ? { ...(previous as object), ...(value as object) }
          : value;
    }
  }
  return result;
}

export interface LoadConfigOptions {
  /** Values from command-line flags; undefined entries are ignored. */
  flags?: Partial<ConfigInput> & { config?: string | undefined };
  env?: Env;
  cwd?: string;
}

/**
 * Builds the config: flags > env (AGENTICAI_*) > config file > defaults. The config file is
 * `--config`, else AGENTICAI_CONFIG, else ./agenticai.yaml when it exists. Throws INVALID_REQUEST
 * listing every problem at once.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? {};
  const { config: configPath, ...flags } = options.flags ?? {};
  const cwd = options.cwd ?? '.';
  const filePath =
    configPath ??
    env.AGENTICAI_CONFIG ??
    (existsSync(`${cwd}/agenticai.yaml`) ? `${cwd}/agenticai.yaml` : undefined);
  const file = filePath ? fromFile(filePath) : {};
  const merged = merge(file, fromEnv(env), flags as Record<string, unknown>);
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    const fieldErrors = fieldErrorsOf(result.error);
    const lines = fieldErrors.map(
      (e) => `  ${e.pointer.slice(1).replaceAll('/', '.') || '(root)'}: ${e.detail}`,
    );
    throw new AppError('INVALID_REQUEST', `invalid configuration:\n${lines.join('\n')}`, { fieldErrors });
  }
  return result.data;
}
