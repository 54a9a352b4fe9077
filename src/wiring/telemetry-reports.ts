import {
  SPAN_ATTRIBUTES as A,
  type BudgetStatus,
  type RunTrace,
  SPAN_NAMES,
  type TraceSpan,
  type UsageQuery,
  type UsageReport,
} from '../contracts/index.ts';
import { invalid } from '../core/index.ts';
import type { SqlTraceStore, SqlUsageStore, StoredSpan, UsageTotals } from '../store/index.ts';
import { forecastMonth } from '../telemetry/index.ts';

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;
const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);

/** Spans parents first (each parent's children in start order); spans whose parent is not here are roots. */
function treeOrder(spans: readonly StoredSpan[]): StoredSpan[] {
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string | null, StoredSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : null;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const ordered: StoredSpan[] = [];
  const visit = (parent: string | null) => {
    for (const span of (children.get(parent) ?? []).sort(
      (a, b) => a.startTime.getTime() - b.startTime.getTime(),
    )) {
      ordered.push(span);
      visit(span.spanId);
    }
  };
  visit(null);
  return ordered;
}

const numberOf = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** A run's spans from the trace store as the API shows them, with token and cost totals. */
export async function runTrace(
  store: SqlTraceStore,
  tenantId: string,
  runId: string,
  traceId: string,
): Promise<RunTrace> {
  const stored = treeOrder(await store.forRun(tenantId, runId));
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let cost = 0;
  const spans: TraceSpan[] = stored.map((span) => {
    const start = span.startTime.getTime();
    first = Math.min(first, start);
    last = Math.max(last, start + span.durationUs / 1000);
    if (span.name === SPAN_NAMES.llm) {
      inputTokens += numberOf(span.attributes[A.genAiInputTokens]);
      outputTokens += numberOf(span.attributes[A.genAiOutputTokens]);
      cost += numberOf(span.attributes[A.costUsd]);
    }
    return {
      span_id: span.spanId,
      parent_span_id: span.parentSpanId,
      name: span.name,
      kind: span.kind,
      start_time: span.startTime.toISOString(),
      duration_ms: span.durationUs / 1000,
      status: span.status,
      status_message: span.statusMessage,
      attributes: span.attributes,
      events: span.events,
    };
  });
  return {
    run_id: runId,
    trace_id: traceId,
    spans,
    totals: {
      spans: spans.length,
      duration_ms: spans.length === 0 ? 0 : Math.round((last - first) * 1000) / 1000,
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      cost_usd: Math.round(cost * 1e8) / 1e8,
    },
  };
}

function dayParam(value: string | undefined, fallback: string, pointer: string): string {
  if (value === undefined) return fallback;
  const day = value.slice(0, 10);
  const year = Number(day.slice(0, 4));
  if (Number.isNaN(Date.parse(`${day}T00:00:00Z`)) || year < 1970 || year > 9999)
    throw invalid(`${pointer.slice(1)} is not a date`, [
      { pointer, detail: 'must be YYYY-MM-DD (or an ISO date-time), year 1970 to 9999' },
    ]);
  return day;
}

const toRow = (row: UsageTotals) => ({
  key: row.key,
  calls: row.calls,
  errors: row.errors,
  input_tokens: row.inputTokens,
  output_tokens: row.outputTokens,
  cost_usd: Math.round(row.costUsd * 1e8) / 1e8,
  unpriced_calls: row.unpricedCalls,
});

/**
 * `GET /api/v1/usage`: model usage and cost between two days grouped one way, the tenant's
 * forecast for the month and its budgets. Platform admins may group by tenant across every
 * tenant (or name one); anyone else sees their own tenant only. `query.tenant` is an id here
 * (the route resolves the name and who may use it).
 */
export async function usageReport(
  store: SqlUsageStore,
  budgets: (tenantId: string) => Promise<BudgetStatus[]>,
  caller: { tenantId: string; platformAdmin: boolean },
  query: UsageQuery,
  now: Date,
): Promise<UsageReport> {
  const to = dayParam(query.to, dayOf(now.getTime()), '/to');
  const from = dayParam(query.from, dayOf(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS), '/from');
  if (from > to) throw invalid('from is after to', [{ pointer: '/from', detail: 'must not be after to' }]);
  if (Date.parse(to) - Date.parse(from) > MAX_DAYS * DAY_MS)
    throw invalid(`at most ${MAX_DAYS} days at a time`, [
      { pointer: '/from', detail: `at most ${MAX_DAYS} days before to` },
    ]);
  const everyTenant = caller.platformAdmin && query.group_by === 'tenant' && query.tenant === undefined;
  const tenantId = everyTenant ? null : (query.tenant ?? caller.tenantId);
  const rows = await store.totals(tenantId, query.group_by, from, to);
  const totals = rows.reduce(
    (sum, row) => ({
      calls: sum.calls + row.calls,
      errors: sum.errors + row.errors,
      input_tokens: sum.input_tokens + row.inputTokens,
      output_tokens: sum.output_tokens + row.outputTokens,
      cost_usd: sum.cost_usd + row.costUsd,
      unpriced_calls: sum.unpriced_calls + row.unpricedCalls,
    }),
    { calls: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0, unpriced_calls: 0 },
  );
  totals.cost_usd = Math.round(totals.cost_usd * 1e8) / 1e8;
  const forecastTenant = query.tenant ?? caller.tenantId;
  const today = new Date(now.getTime());
  const monthStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1);
  const trailingStart = Math.min(monthStart, Date.parse(dayOf(now.getTime())) - 28 * DAY_MS);
  const daily = await store.dailyCost(forecastTenant, dayOf(trailingStart), dayOf(now.getTime()));
  const forecast = forecastMonth(daily, today);
  return {
    group_by: query.group_by,
    from,
    to,
    rows: rows.map(toRow),
    totals,
    forecast: {
      month: forecast.month,
      month_to_date_usd: forecast.monthToDateUsd,
      forecast_usd: forecast.forecastUsd,
      method: forecast.method,
      trailing_days: forecast.trailingDays,
    },
    budgets: await budgets(forecastTenant),
  };
}
