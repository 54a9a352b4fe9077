import { type Kysely, sql } from 'kysely';

/**
 * Row-level security: a transaction that switched to the tenant role sees and writes only rows
 * whose tenant column equals app.tenant_id. A transaction without the setting sees nothing.
 * The owner (migrations, authentication lookups) is not subject to it: no FORCE.
 */
export async function enableTenantRowSecurity(
  db: Kysely<unknown>,
  table: string,
  column: string,
): Promise<void> {
  await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
  await sql`create policy tenant_isolation on ${sql.table(table)}
    using (${sql.ref(column)} = current_setting('app.tenant_id', true))
    with check (${sql.ref(column)} = current_setting('app.tenant_id', true))`.execute(db);
}
