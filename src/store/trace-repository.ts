import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.ts';
import { inTenantTransaction } from './tenant-scope.ts';

/** One ended span, as the trace store keeps it. */
export interface StoredSpan {
  tenantId: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  runId: string | null;
  name: string;
  kind: string;
  startTime: Date;
  durationUs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage: string | null;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; time: string; attributes: Record<string, unknown> }>;
}

const COLUMNS = 13;
/** Postgres takes at most 65,535 parameters a statement. */
const ROWS_PER_STATEMENT = Math.floor(60_000 / COLUMNS);

/**
 * The built-in trace store: spans in the platform database, so a run's tree is one query away
 * without a tracing backend. Written in batches by the span exporter (owner connection: spans of
 * every tenant arrive together), read per tenant under row-level security, swept past retention.
 */
export class SqlTraceStore {
  constructor(private readonly db: Kysely<DB>) {}

  async write(spans: readonly StoredSpan[]): Promise<void> {
    for (let start = 0; start < spans.length; start += ROWS_PER_STATEMENT) {
      const chunk = spans.slice(start, start + ROWS_PER_STATEMENT);
      await this.db
        .insertInto('trace_spans')
        .values(
          chunk.map((span) => ({
            tenant_id: span.tenantId,
            trace_id: span.traceId,
            span_id: span.spanId,
            parent_span_id: span.parentSpanId,
            run_id: span.runId,
            name: span.name,
            kind: span.kind,
            start_time: span.startTime,
            duration_us: span.durationUs,
            status: span.status,
            status_message: span.statusMessage,
            attributes: JSON.stringify(span.attributes),
            events: JSON.stringify(span.events),
          })),
        )
        // A tenant deleted meanwhile (foreign key) or a span exported twice: skip, never fail the batch.
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }

  /** The spans of one run, in start order. */
  async forRun(tenantId: string, runId: string): Promise<StoredSpan[]> {
    const rows = await inTenantTransaction(this.db, tenantId, (trx) =>
      trx
        .selectFrom('trace_spans')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('run_id', '=', runId)
        .orderBy('start_time')
        .orderBy('span_id')
        .limit(10_000)
        .execute(),
    );
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      traceId: row.trace_id,
      spanId: row.span_id,
      parentSpanId: row.parent_span_id,
      runId: row.run_id,
      name: row.name,
      kind: row.kind,
      startTime: row.start_time,
      durationUs: Number(row.duration_us),
      status: row.status as StoredSpan['status'],
      statusMessage: row.status_message,
      attributes: row.attributes as Record<string, unknown>,
      events: row.events as StoredSpan['events'],
    }));
  }

  /** Deletes spans that started before `before`; returns how many. */
  async sweep(before: Date): Promise<number> {
    const result = await sql<{ count: string }>`
      with gone as (delete from trace_spans where start_time < ${before} returning 1)
      select count(*)::text as count from gone`.execute(this.db);
    return Number(result.rows[0]?.count ?? 0);
  }
}
