import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Config } from '../config/index.ts';
import {
  type BudgetStatus,
  type RunTrace,
  type UsageQuery,
  type UsageReport,
  VERSION,
} from '../contracts/index.ts';
import { type Clock, NO_TELEMETRY, type Telemetry } from '../core/index.ts';
import { PiiMasker } from '../guard/index.ts';
import { type Database, SqlTraceStore, SqlUsageStore } from '../store/index.ts';
import {
  GatewayMetrics,
  type MetricSources,
  PlatformMetrics,
  StoreSpanExporter,
  Tracing,
  UsageMeter,
} from '../telemetry/index.ts';
import { runTrace, usageReport } from './telemetry-reports.ts';

const HOUR_MS = 3_600_000;

export interface WatchedParts {
  activeRuns: () => number;
  sandboxPool: () => { warm: number; live: number };
  governor: {
    tenantsWithBudgets: ReadonlySet<string>;
    budgetStatus(tenantId: string): Promise<BudgetStatus[]>;
  };
  circuits: () => Array<{ backend: string; state: string }>;
}

export interface TelemetryReader {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  runTrace(tenantId: string, runId: string, traceId: string): Promise<RunTrace>;
  usage(caller: { tenantId: string; platformAdmin: boolean }, query: UsageQuery): Promise<UsageReport>;
}

/** Tenant-wide budgets with what is left, for the `agent_budget_remaining` gauge. */
async function budgetLines(governor: WatchedParts['governor']) {
  const lines: Array<{ tenant: string; budget: string; unit: string; remaining: number }> = [];
  // One tenant's ledger out of reach (Redis away) must not blind the whole scrape.
  for (const tenant of governor.tenantsWithBudgets)
    for (const status of await governor.budgetStatus(tenant).catch(() => [])) {
      const remaining = status.remaining_usd ?? status.remaining_tokens;
      if (remaining !== null)
        lines.push({
          tenant,
          budget: status.rule,
          unit: status.remaining_usd !== null ? 'usd' : 'tokens',
          remaining,
        });
    }
  return lines;
}

export interface TelemetryWiring {
  /** The tracer components use: the SDK's, or no-op spans when telemetry is off. */
  telemetry: Telemetry;
  gatewayMetrics: GatewayMetrics;
  /** What the gauges read on scrape; main.ts fills these in as it wires the parts they watch. */
  sources: MetricSources;
  traceStore: SqlTraceStore;
  usageStore: SqlUsageStore;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Points the gauges at the parts they watch, once those are wired. */
  watch(parts: WatchedParts): void;
  /** What the API reads: run traces from the trace store, usage reports with budgets. */
  access(budgets: (tenantId: string) => Promise<BudgetStatus[]>, clock: Clock): TelemetryReader;
  /** Writes batched spans and usage (tests read after this). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

async function count(database: Database, table: 'runs' | 'approvals'): Promise<number> {
  const result = await sql<{
    n: string;
  }>`select count(*)::text as n from ${sql.table(table)} where status = 'pending'`.execute(database.db);
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * Traces, metrics and cost roll-ups: the OpenTelemetry SDK (OTLP when configured, the trace store
 * unless turned off, any extra exporters a test hands in), Prometheus metrics derived from the
 * spans, and the daily usage roll-up from the `LLM.Invoke` spans. Every exported string is
 * PII-masked; the trace store is swept past its retention every hour.
 */
export function wireTelemetry(deps: {
  database: Database;
  config: Config;
  logger: Logger;
  spanExporters?: SpanExporter[] | undefined;
}): TelemetryWiring {
  const { config, logger } = deps;
  const masker = new PiiMasker({});
  const traceStore = new SqlTraceStore(deps.database.db);
  const usageStore = new SqlUsageStore(deps.database.db);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const gatewayMetrics = new GatewayMetrics(registry);
  const sources: MetricSources = {
    activeRuns: () => 0,
    queueDepth: () => count(deps.database, 'runs'),
    approvalsPending: () => count(deps.database, 'approvals'),
    sandboxPool: () => ({ warm: 0, live: 0 }),
    budgets: async () => [],
    circuits: () => [],
  };
  // The gauges call through `sources`, so later assignments to its fields take effect.
  const platformMetrics = new PlatformMetrics(registry, {
    activeRuns: () => sources.activeRuns(),
    queueDepth: () => sources.queueDepth(),
    approvalsPending: () => sources.approvalsPending(),
    sandboxPool: () => sources.sandboxPool(),
    budgets: () => sources.budgets(),
    circuits: () => sources.circuits(),
  });
  const usage = new UsageMeter(
    (records) => usageStore.add(records),
    (error, dropped) => logger.error({ err: error, dropped }, 'usage roll-up write failed; will retry'),
  );
  const exporters = [...(deps.spanExporters ?? [])];
  if (config.traceStore)
    exporters.push(
      new StoreSpanExporter(
        (records) => traceStore.write(records),
        (error) => logger.warn({ err: error }, 'trace store write failed; spans dropped'),
      ),
    );
  const tracing = !config.telemetry
    ? null
    : new Tracing({
        serviceName: config.serviceName,
        serviceVersion: VERSION,
        otlp: config.otlpExport,
        sampler: config.traceSampler,
        samplerRatio: config.traceSamplerRatio,
        exporters,
        observers: [platformMetrics.observe, usage.observe],
        mask: (text) => masker.maskText(text).text,
      });
  const sweep = () =>
    traceStore
      .sweep(new Date(Date.now() - config.traceRetentionDays * 24 * HOUR_MS))
      .then((deleted) => {
        if (deleted > 0) logger.info({ deleted }, 'trace store swept');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'trace store sweep failed'));
  let sweeper: NodeJS.Timeout | undefined;
  if (tracing && config.traceStore) {
    void sweep();
    sweeper = setInterval(() => void sweep(), HOUR_MS);
    sweeper.unref();
  }
  const flush = async () => {
    await tracing?.forceFlush();
    await usage.flush();
  };
  return {
    telemetry: tracing ?? NO_TELEMETRY,
    gatewayMetrics,
    sources,
    traceStore,
    usageStore,
    metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    watch: (parts) => {
      sources.activeRuns = parts.activeRuns;
      sources.sandboxPool = parts.sandboxPool;
      sources.budgets = () => budgetLines(parts.governor);
      sources.circuits = parts.circuits;
    },
    access: (budgets, clock) => ({
      observeRequest: platformMetrics.observeRequest,
      runTrace: (tenantId, runId, traceId) => runTrace(traceStore, tenantId, runId, traceId),
      usage: (caller, query) => usageReport(usageStore, budgets, caller, query, clock.now()),
    }),
    flush,
    close: async () => {
      clearInterval(sweeper);
      await flush().catch((error: unknown) => logger.warn({ err: error }, 'telemetry flush failed'));
      await tracing?.shutdown().catch(() => undefined);
    },
  };
}
