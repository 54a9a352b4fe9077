import { type Kysely, sql } from 'kysely';
import { enableTenantRowSecurity } from './helpers.ts';

/**
 * Model aliases (`kind: ModelAlias`): one model name routed over several backend models. Stored
 * like model backends: the whole spec as jsonb, a hash to tell a no-op apply, a resource version
 * for compare-and-set. Targets name backends by name; no foreign key, since apply checks them and
 * the gateway skips a target whose backend is gone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('model_aliases')
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
    .addUniqueConstraint('model_aliases_tenant_name', ['tenant_id', 'name'])
    .execute();
  await enableTenantRowSecurity(db, 'model_aliases', 'tenant_id');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('model_aliases').ifExists().execute();
}
