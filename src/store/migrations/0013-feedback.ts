import { type Kysely, sql } from 'kysely';
import { enableTenantRowSecurity } from './helpers.ts';

/**
 * Feedback on runs: one row per tenant, run and principal (a repeat replaces it), deleted with
 * its run. `id` (UUIDv7) orders dataset exports; `updated_at` is the last change, which their
 * time filter reads.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('run_feedback')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('score', 'smallint', (c) => c.notNull().check(sql`score in (-1, 1)`))
    .addColumn('correction', 'text')
    .addColumn('category', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('run_feedback_one_per_principal', ['tenant_id', 'run_id', 'principal'])
    .execute();
  await sql`create index run_feedback_export on run_feedback (tenant_id, id)`.execute(db);
  await enableTenantRowSecurity(db, 'run_feedback', 'tenant_id');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('run_feedback').ifExists().execute();
}
