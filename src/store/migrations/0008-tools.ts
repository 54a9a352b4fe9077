import { type Kysely, sql } from 'kysely';
import { enableTenantRowSecurity } from './helpers.ts';

/**
 * The tool gateway: `tools` and `tool_servers` (spec-only kinds, stored like model backends), and
 * `secrets`, whose values are kept only as AES-256-GCM ciphertext (`sealed`: IV, tag and
 * ciphertext; `key_id`: the fingerprint of the platform key that sealed them, for rotation). The
 * key names are kept in the clear so the API can list them without decrypting.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['tools', 'tool_servers'] as const) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('annotations', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('spec', 'jsonb', (c) => c.notNull())
      .addColumn('spec_hash', 'text', (c) => c.notNull())
      .addColumn('resource_version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addUniqueConstraint(`${table}_tenant_name`, ['tenant_id', 'name'])
      .execute();
    await enableTenantRowSecurity(db, table, 'tenant_id');
  }

  await db.schema
    .createTable('secrets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('keys', sql`text[]`, (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('secrets_tenant_name', ['tenant_id', 'name'])
    .execute();
  await sql`create index secrets_key_id on secrets (key_id)`.execute(db);
  await enableTenantRowSecurity(db, 'secrets', 'tenant_id');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('secrets').ifExists().execute();
  await db.schema.dropTable('tool_servers').ifExists().execute();
  await db.schema.dropTable('tools').ifExists().execute();
}
