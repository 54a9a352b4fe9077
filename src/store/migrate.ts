import { type Kysely, type MigrationResultSet, Migrator, sql } from 'kysely';
import { grantAuditTables } from './audit-grants.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { type DB, TENANT_ROLE, TENANT_TABLES } from './schema.ts';

const provider = { getMigrations: async () => MIGRATIONS };

function migratorFor(db: Kysely<DB>, schema: string): Migrator {
  // Kysely's Postgres adapter takes pg_advisory_xact_lock around the run, so replicas that start
  // together apply each migration exactly once.
  return new Migrator({ db, provider, migrationTableSchema: schema });
}

/** Applies every pending migration, then (re)grants the tenant role. Throws if one fails. */
export async function migrateToLatest(db: Kysely<DB>, schema: string): Promise<string[]> {
  let result: MigrationResultSet = await migratorFor(db, schema).migrateToLatest();
  // Kysely looks for its migration table by listing every schema's tables; a schema another
  // install drops meanwhile fails that listing ("schema … does not exist", 3F000, or "relation
  // other.t does not exist", 42P01, from pg_get_serial_sequence). Nothing was applied: look again.
  for (let attempt = 0; attempt < 5 && droppedMeanwhile(result.error, schema); attempt++) {
    result = await migratorFor(db, schema).migrateToLatest();
  }
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${String(result.error)}`, {
      cause: result.error,
    });
  }
  await grantTenantRole(db, schema);
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations not yet applied; empty when the schema is current. */
export async function pendingMigrations(db: Kysely<DB>, schema: string): Promise<string[]> {
  const migrations = await migratorFor(db, schema).getMigrations();
  return migrations.filter((m) => !m.executedAt).map((m) => m.name);
}

/**
 * The tenant role holds plain DML on tenant tables and nothing else. Creating it needs CREATEROLE;
 * a deployment without it must create the role `agenticai_tenant` and grant it to the app user.
 */
async function grantTenantRole(db: Kysely<DB>, schema: string): Promise<void> {
  // Concurrent GRANTs on one object fail with "tuple concurrently updated": replicas that start
  // together take turns under a transaction-scoped advisory lock per schema.
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`agenticai.grants.${schema}`}))`.execute(trx);
    await sql`do $$ begin
        if not exists (select 1 from pg_roles where rolname = ${sql.lit(TENANT_ROLE)}) then
          create role ${sql.id(TENANT_ROLE)} nologin;
        end if;
      exception when duplicate_object or unique_violation then null;
      end $$`.execute(trx);
    // Superusers may switch to any role; others need membership, which needs CREATEROLE or ADMIN.
    await sql`do $$ begin
        execute format('grant %I to %I', ${sql.lit(TENANT_ROLE)}, current_user);
      exception when insufficient_privilege or duplicate_object then null;
      end $$`.execute(trx);
    await sql`grant usage on schema ${sql.id(schema)} to ${sql.id(TENANT_ROLE)}`.execute(trx);
    const tables = sql.join(TENANT_TABLES.map((t) => sql.table(`${schema}.${t}`)));
    await sql`grant select, insert, update, delete on ${tables} to ${sql.id(TENANT_ROLE)}`.execute(trx);
    await sql`grant select on ${sql.table(`${schema}.tenants`)} to ${sql.id(TENANT_ROLE)}`.execute(trx);
    await grantAuditTables(trx, schema);
  });
}

/** Codes Postgres answers when a schema (3F000) or a table in it (42P01) vanished under a query. */
const VANISHED = new Set(['3F000', '42P01']);

function droppedMeanwhile(error: unknown, ours: string): boolean {
  if (!error || typeof error !== 'object') return false;
  if (!VANISHED.has(String((error as { code?: unknown }).code))) return false;
  const message = String((error as { message?: unknown }).message);
  return !message.includes(`"${ours}"`) && !message.includes(`"${ours}.`);
}
