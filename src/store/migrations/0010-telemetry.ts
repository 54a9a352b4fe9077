import { type Kysely, sql } from 'kysely';
import { enableTenantRowSecurity } from './helpers.ts';

/**
 * Telemetry the embedded setup keeps in its own database:
 * - `trace_spans`: the built-in trace store (`GET /api/v1/runs/{id}/trace`), swept past retention;
 * - `usage_daily`: model cost and tokens rolled up per tenant, day, agent, model and principal;
 * - `runs.parent_span_id`: the client's span from the `traceparent` of the request that created
 *   the run, so the run's root span hangs under it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table runs add column parent_span_id text`.execute(db);
  await db.schema
    .createTable('trace_spans')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('span_id', 'text', (c) => c.notNull())
    .addColumn('parent_span_id', 'text')
    .addColumn('run_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('start_time', 'timestamptz', (c) => c.notNull())
    .addColumn('duration_us', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('attributes', 'jsonb', (c) => c.notNull())
    .addColumn('events', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addPrimaryKeyConstraint('trace_spans_pk', ['tenant_id', 'trace_id', 'span_id'])
    .execute();
  await sql`create index trace_spans_run on trace_spans (tenant_id, run_id, start_time) where run_id is not null`.execute(
    db,
  );
  await sql`create index trace_spans_age on trace_spans (start_time)`.execute(db);
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
