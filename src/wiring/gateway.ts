import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/index.ts';
import type { SecretRef } from '../contracts/index.ts';
import { uuidv7Ids } from '../core/index.ts';
import {
  type GatewayAlias,
  type GatewayBackend,
  type GatewayInvocation,
  ModelGateway,
  ResponseCache,
  type SharedCache,
  type TenantCatalog,
} from '../gateway/index.ts';
import { type PiiMasker, PseudonymVault } from '../guard/index.ts';
import type { CompiledPolicy } from '../policy/index.ts';
import type { ModelAliasService, ModelBackendService } from '../registry/index.ts';
import {
  channelsFor,
  type Database,
  MemoryBudgetLedger,
  MemoryRateLimiter,
  RedisBudgetLedger,
  RedisRateLimiter,
  SqlSemanticCache,
} from '../store/index.ts';
import type { GatewayMetrics } from '../telemetry/index.ts';
import { AuditBatcher } from './audit-batcher.ts';
import { CachedModelCatalog } from './model-catalog.ts';
import { PolicyUsageGovernor } from './usage-governor.ts';

const PAGE = 500;

/** Reads a backend's API key secret; throws NOT_FOUND naming a missing one. */
export type BackendSecret = (tenantId: string, ref: SecretRef, signal?: AbortSignal) => Promise<string>;

/** One tenant's backends and aliases, read from the registry. */
async function loadCatalog(
  modelBackends: ModelBackendService,
  modelAliases: ModelAliasService,
  secret: BackendSecret,
  tenantId: string,
  signal: AbortSignal,
): Promise<TenantCatalog> {
  const backends = new Map<string, GatewayBackend>();
  let cursor: string | undefined;
  do {
    const page = await modelBackends.list(tenantId, { limit: PAGE, cursor }, signal);
    for (const resource of page.items)
      backends.set(resource.metadata.name, {
        name: resource.metadata.name,
        spec: resource.spec,
        createdAt: new Date(resource.metadata.createdAt),
        key: `${tenantId}/${resource.metadata.name}`,
        ...(resource.spec.apiKeySecretRef
          ? await secret(tenantId, resource.spec.apiKeySecretRef, signal).then(
              (apiKey) => ({ apiKey }),
              // One backend's missing key must not take the tenant's other backends down.
              (error: unknown) => ({ apiKeyProblem: (error as Error).message }),
            )
          : {}),
      });
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const aliases = new Map<string, GatewayAlias>();
  for (const resource of await modelAliases.all(tenantId, signal))
    aliases.set(resource.metadata.name, {
      name: resource.metadata.name,
      spec: resource.spec,
      createdAt: new Date(resource.metadata.createdAt),
    });
  return { tenantId, backends, aliases };
}

export interface GatewayWiring {
  gateway: ModelGateway;
  catalog: CachedModelCatalog;
  /** Budgets and rate limits (the usage report reads the budgets). */
  governor: PolicyUsageGovernor;
  /** Writes the audit records still lingering, closes upstream and the limits' Redis connections. */
  close(): Promise<void>;
}

/**
 * The model gateway over the registry (a per-tenant catalog dropped on change), the guard's
 * pseudonymizer (for `trust: external` backends), the response cache (L1 in process, L2 the shared
 * cache), budgets and rate limits, and the audit log: one `llm_invoke` record per call (`llm_route`
 * for a run's call, whose governance writes the `llm_invoke`),
 * group-committed off the response path; a failed write is logged, never the caller's problem.
 */
export async function wireGateway(deps: {
  database: Database;
  modelBackends: ModelBackendService;
  modelAliases: ModelAliasService;
  masker: PiiMasker;
  audit: AuditLog;
  logger: Logger;
  /** L2 of the response cache; null: L1 only. */
  sharedCache: SharedCache | null;
  /** Budgets and rate limits live in Redis when it is configured (shared by replicas), else in memory. */
  redisUrl: string | undefined;
  livePolicies: (tenantId: string) => Promise<readonly CompiledPolicy[]>;
  metrics: GatewayMetrics;
  /** Backends' API keys (`apiKeySecretRef`); the catalog reloads when the tenant's secrets change. */
  secret: BackendSecret;
  tracer?: Tracer | undefined;
  /** Prompts and completions on LLM.Invoke spans (masked at export). */
  traceContent?: boolean;
}): Promise<GatewayWiring> {
  const namespace = `agenticai:${deps.database.schema}`;
  const [ledger, limiter] = deps.redisUrl
    ? await Promise.all([
        RedisBudgetLedger.connect({ url: deps.redisUrl, namespace }),
        RedisRateLimiter.connect({ url: deps.redisUrl, namespace }),
      ])
    : [new MemoryBudgetLedger(), new MemoryRateLimiter()];
  const governor = new PolicyUsageGovernor(deps.livePolicies, ledger, limiter, deps.logger);
  const catalog = new CachedModelCatalog((tenantId, signal) =>
    loadCatalog(deps.modelBackends, deps.modelAliases, deps.secret, tenantId, signal),
  );
  await catalog.listen(deps.database, channelsFor(deps.database.schema).models);
  await catalog.listen(deps.database, channelsFor(deps.database.schema).secrets);
  // The caller never waits for these records: let them gather for 20 ms into one transaction, at
  // most 250 a statement (a backlog goes in several, so the thread is never held long).
  const batcher = new AuditBatcher(deps.audit, 20, 250);
  const record = (invocation: GatewayInvocation) => {
    deps.metrics.observe(invocation);
    batcher
      .append(invocation.tenantId, [
        {
          // A run's call is the run's (its governance records the llm_invoke); this is its route.
          ...(invocation.runId && invocation.agent
            ? { actorType: 'agent' as const, actor: invocation.agent, action: 'llm_route' }
            : { actorType: 'principal' as const, actor: invocation.principal, action: 'llm_invoke' }),
          tool: invocation.model,
          decision: invocation.error === null ? 'ok' : 'error',
          ...(invocation.runId ? { runId: invocation.runId } : {}),
          metadata: {
            operation: invocation.operation,
            requested: invocation.requested,
            stream: invocation.stream,
            status: invocation.status,
            cache: invocation.cache,
            attempts: invocation.attempts,
            input_tokens: invocation.inputTokens,
            output_tokens: invocation.outputTokens,
            ...(invocation.cachedTokens ? { cached_tokens: invocation.cachedTokens } : {}),
            ...(invocation.tokensCounted ? { tokens_counted: true } : {}),
            cost_usd: invocation.costUsd,
            latency_ms: invocation.latencyMs,
            ...(invocation.agent ? { agent: invocation.agent } : {}),
            ...(invocation.error === null ? {} : { error: invocation.error }),
          },
        },
      ])
      .catch((error: unknown) =>
        deps.logger.error({ err: error, model: invocation.model }, 'gateway audit record lost'),
      );
  };
  const responseCache = new ResponseCache({
    maxEntries: 10_000,
    maxBytes: 64 * 1024 * 1024,
    shared: deps.sharedCache,
    onError: (error, context) =>
      deps.logger.warn({ err: error, operation: context.operation }, 'response cache (L2) unavailable'),
  });
  const gateway = new ModelGateway({
    catalog,
    pseudonymizer: () => {
      const vault = new PseudonymVault();
      return {
        hide: (text) => deps.masker.pseudonymize(text, vault).text,
        restore: (text) => deps.masker.restore(text, vault),
      };
    },
    audit: record,
    responseCache,
    semanticStore: new SqlSemanticCache(deps.database.db, uuidv7Ids),
    onCacheError: (error) => deps.logger.warn({ err: error }, 'semantic cache (L3) unavailable'),
    governor,
    ...(deps.tracer ? { tracer: deps.tracer } : {}),
    ...(deps.traceContent ? { traceContent: true } : {}),
  });
  return {
    gateway,
    catalog,
    governor,
    close: async () => {
      await batcher.drain();
      gateway.close();
      await Promise.all([ledger.close(), limiter.close()]);
    },
  };
}
