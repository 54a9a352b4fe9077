import { type Kysely, sql } from 'kysely';
import { type DB, TENANT_ROLE } from './schema.ts';

/**
 * The tenant role reads the audit log and may append to it, and nothing more: no UPDATE or DELETE
 * (the triggers refuse those for everyone; the missing grant refuses them first). It only reads the
 * chain heads; appends that move a head run as the platform (see audit-append-sql.ts).
 */
export async function grantAuditTables(db: Kysely<DB>, schema: string): Promise<void> {
  const role = sql.id(TENANT_ROLE);
  await sql`grant select, insert on ${sql.table(`${schema}.audit_records`)} to ${role}`.execute(db);
  await sql`grant select on ${sql.table(`${schema}.audit_heads`)} to ${role}`.execute(db);
}
