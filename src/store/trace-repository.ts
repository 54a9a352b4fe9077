import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { parseJson, type SpanRecord } from '../contracts/index.ts';
import { readJson } from './json-columns.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction } from './tenant-scope.ts';

/** One ended span, as the trace store keeps it. */
export type StoredSpan = SpanRecord;

/** A span inside a group row: the group holds tenant, trace and run. */
const SpanJsonSchema = z.object({
  id: z.string(),
  parent: z.string().nullable(),
  name: z.string(),
  kind: z.string(),
  start: z.string(),
  us: z.number(),
  status: z.enum(['unset', 'ok', 'error']),
  message: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  events: z.array(
    z.object({ name: z.string(), time: z.string(), attributes: z.record(z.string(), z.unknown()) }),
  ),
});
type SpanJson = z.infer<typeof SpanJsonSchema>;
const SpanGroupSchema = z.array(SpanJsonSchema);

/** A group row's spans, checked: a row that does not parse is a bug, said loudly. */
function spansOf(text: string): SpanJson[] {
  const parsed = parseJson(text);
  return readJson(SpanGroupSchema, parsed.ok ? parsed.value : null, 'trace spans');
}

/** Most spans a run's trace returns (a runaway loop's tree is cut, newest spans dropped). */
const MAX_SPANS = 10_000;

/**
 * The built-in trace store: spans in the platform database, so a run's tree is one query away
 * without a tracing backend. An export batch is written as one row per run (or trace) it touches,
 * the spans in a JSON array: a handful of rows and index entries a batch instead of one per span,
 * so tracing stays off the runs' own write path. Read per tenant under row-level security, swept
 * past retention.
 */
export class SqlTraceStore {
  constructor(private readonly db: Kysely<DB>) {}

  async write(spans: readonly StoredSpan[]): Promise<void> {
    const groups = new Map<
      string,
      { tenantId: string; traceId: string; runId: string | null; start: number; spans: SpanJson[] }
    >();
    for (const span of spans) {
      const key = `${span.tenantId}\u0000${span.traceId}\u0000${span.runId ?? ''}`;
      let group = groups.get(key);
      if (!group) {
        group = {
          tenantId: span.tenantId,
          traceId: span.traceId,
          runId: span.runId,
          start: Number.POSITIVE_INFINITY,
          spans: [],
        };
        groups.set(key, group);
      }
      group.start = Math.min(group.start, span.startTime.getTime());
      group.spans.push({
        id: span.spanId,
        parent: span.parentSpanId,
        name: span.name,
        kind: span.kind,
        start: span.startTime.toISOString(),
        us: span.durationUs,
        status: span.status,
        message: span.statusMessage,
        attributes: span.attributes,
        events: span.events,
      });
    }
    if (groups.size === 0) return;
    // A tenant deleted meanwhile: its spans are skipped, never the batch.
    const tenants = new Set(
      (
        await this.db
          .selectFrom('tenants')
          .select('id')
          .where('id', 'in', [...new Set([...groups.values()].map((group) => group.tenantId))])
          .execute()
      ).map((row) => row.id),
    );
    const rows = [...groups.values()]
      .filter((group) => tenants.has(group.tenantId))
      .map((group) => ({
        tenant_id: group.tenantId,
        trace_id: group.traceId,
        run_id: group.runId,
        started_at: new Date(group.start),
        spans: JSON.stringify(group.spans),
      }));
    for (let start = 0; start < rows.length; start += 1000)
      await this.db
        .insertInto('trace_spans')
        .values(rows.slice(start, start + 1000))
        .execute();
  }

  /** The spans of one run, in start order (a span exported twice appears once). */
  async forRun(tenantId: string, runId: string): Promise<StoredSpan[]> {
    const rows = await inTenantTransaction(this.db, tenantId, (trx) =>
      trx
        .selectFrom('trace_spans')
        .select(['trace_id', 'spans'])
        .where('tenant_id', '=', tenantId)
        .where('run_id', '=', runId)
        .orderBy('started_at')
        .execute(),
    );
    const spans = new Map<string, StoredSpan>();
    for (const row of rows)
      for (const span of spansOf(row.spans)) {
        if (spans.size >= MAX_SPANS) break;
        spans.set(span.id, {
          tenantId,
          traceId: row.trace_id,
          spanId: span.id,
          parentSpanId: span.parent,
          runId,
          name: span.name,
          kind: span.kind,
          startTime: new Date(span.start),
          durationUs: span.us,
          status: span.status,
          statusMessage: span.message,
          attributes: span.attributes,
          events: span.events,
        });
      }
    return [...spans.values()].sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  }

  /** Deletes the spans of groups that started before `before`; returns how many groups. */
  async sweep(before: Date): Promise<number> {
    const result = await sql<{ count: string }>`
      with gone as (delete from trace_spans where started_at < ${before} returning 1)
      select count(*)::text as count from gone`.execute(this.db);
    return Number(result.rows[0]?.count ?? 0);
  }
}
