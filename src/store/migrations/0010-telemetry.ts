import { type Kysely, sql } from 'kysely';
import { enableTenantRowSecurity } from './helpers.ts';

/**
 * Telemetry the embedded setup keeps in its own database:
 * - `trace_spans`: the built-in trace store (`GET /api/v1/runs/{id}/trace`), spans grouped per run
 *   and export batch, swept past retention;
 * - `usage_daily`: model cost and tokens rolled up per tenant, day, agent, model and principal;
 * - `runs.parent_span_id`: the client's span from the `traceparent` of the request that created
 *   the run, so the run's root span hangs under it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table runs add column parent_span_id text`.execute(db);
  // Spans grouped per run (or trace) and export batch: one row, one index entry, for the dozens
  // of spans a run's batch holds, which keeps the trace store off the run's own write path.
  await db.schema
    .createTable('trace_spans')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    // JSON text, parsed by the reader: jsonb's conversion would cost every write, for reads that are rare.
    .addColumn('spans', 'text', (c) => c.notNull())
    .execute();
  // Not compressed: pglz on every batch would cost more than the disk it saves.
  await sql`alter table trace_spans alter column spans set storage external`.execute(db);
  await sql`create index trace_spans_run on trace_spans (tenant_id, run_id) where run_id is not null`.execute(
    db,
  );
  await sql`create index trace_spans_age on trace_spans (started_at)`.execute(db);
  await db.schema
    .createTable('usage_daily')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('calls', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('errors', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', sql`numeric(20, 8)`, (c) => c.notNull().defaultTo(0))
    .addColumn('unpriced_calls', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('usage_daily_pk', ['tenant_id', 'day', 'agent', 'model', 'principal'])
    .execute();
  await enableTenantRowSecurity(db, 'trace_spans', 'tenant_id');
  await enableTenantRowSecurity(db, 'usage_daily', 'tenant_id');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usage_daily').ifExists().execute();
  await db.schema.dropTable('trace_spans').ifExists().execute();
  await sql`alter table runs drop column if exists parent_span_id`.execute(db);
}
