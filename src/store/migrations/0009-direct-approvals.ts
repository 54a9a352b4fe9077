import { type Kysely, sql } from 'kysely';

/**
 * Approvals of direct tool calls (the REST `:invoke` and the MCP gateway at /mcp): they belong to
 * no run, so `run_id` may be null, and an approved one is spent by the one call it approved
 * (`consumed_at`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table approvals alter column run_id drop not null`.execute(db);
  await sql`alter table approvals add column consumed_at timestamptz`.execute(db);
  await sql`create index approvals_direct on approvals (tenant_id, step_key, call_hash, id) where run_id is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists approvals_direct`.execute(db);
  await sql`alter table approvals drop column if exists consumed_at`.execute(db);
}
