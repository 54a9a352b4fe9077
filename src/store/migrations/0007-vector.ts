import { type Kysely, sql } from 'kysely';

/**
 * pgvector where the server has it: PGlite always (it ships the extension), a PostgreSQL server
 * only if the extension is installed and we may create it. Elsewhere nothing happens, and what
 * uses vectors falls back to exact scans in process (see `SqlSemanticCache`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ available: boolean; allowed: boolean }>`
    select exists (select 1 from pg_available_extensions where name = 'vector') as available,
      (select rolsuper from pg_roles where rolname = current_user) as allowed`.execute(db);
  const row = rows[0];
  if (row?.available && row.allowed) await sql`create extension if not exists vector`.execute(db);
}

export async function down(): Promise<void> {
  // The extension may be shared with other schemas of the database: leave it.
}
