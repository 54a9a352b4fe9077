import { type Kysely, sql } from 'kysely';
import { enableTenantRowSecurity } from './helpers.ts';

/**
 * The audit log: `audit_records`, append-only (triggers refuse UPDATE, DELETE and TRUNCATE), and
 * `audit_heads`, one row per tenant holding the chain's last seq and hash; appends lock it, so
 * the chain has one order however many writers append at once.
 *
 * No foreign key to tenants: deleting a tenant must not cascade into (and be refused by) its
 * audit trail, which outlives it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_records')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('time', 'timestamptz', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('trace_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('tool', 'text')
    .addColumn('decision', 'text')
    .addColumn('rule', 'text')
    .addColumn('input', 'jsonb')
    .addColumn('output', 'jsonb')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_records_pk', ['tenant_id', 'seq'])
    .execute();
  // Queries are newest first, ordered by (time, seq): each filter has an index in that order, so a
  // filtered page is an index range scan that stops after `limit` rows, whatever the table's size.
  await sql`create index audit_records_time on audit_records (tenant_id, time, seq)`.execute(db);
  await sql`create index audit_records_run on audit_records (tenant_id, run_id, time, seq) where run_id is not null`.execute(
    db,
  );
  await sql`create index audit_records_actor on audit_records (tenant_id, actor, time, seq)`.execute(db);
  await sql`create index audit_records_action on audit_records (tenant_id, action, time, seq)`.execute(db);
  await sql`create index audit_records_tool on audit_records (tenant_id, tool, time, seq) where tool is not null`.execute(
    db,
  );

  await db.schema
    .createTable('audit_heads')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await sql`create function audit_records_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_records is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege',
              hint = 'audit records are never changed or removed; append a correcting record instead';
    end $$`.execute(db);
  await sql`create trigger audit_records_no_update_delete before update or delete on audit_records
    for each row execute function audit_records_append_only()`.execute(db);
  await sql`create trigger audit_records_no_truncate before truncate on audit_records
    for each statement execute function audit_records_append_only()`.execute(db);

  await enableTenantRowSecurity(db, 'audit_records', 'tenant_id');
  await enableTenantRowSecurity(db, 'audit_heads', 'tenant_id');
}
