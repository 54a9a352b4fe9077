import { type Kysely, sql } from 'kysely';
import { enableTenantRowSecurity } from './helpers.ts';

/**
 * The gateway's semantic (L3) response cache: answers with the embedding of the prompt that
 * produced them, per tenant and scope (a hash of model, system prompt, tools and sampling), with
 * the sensitivity level they were produced under and an expiry. Embeddings are `real[]`, so the
 * table works on every PostgreSQL; the nearest entry of a scope is found by an exact scan of its
 * newest entries.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('semantic_cache')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('sensitivity', 'smallint', (c) => c.notNull())
    .addColumn('embedding', sql`real[]`, (c) => c.notNull())
    .addColumn('completion', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('semantic_cache_scope')
    .on('semantic_cache')
    .columns(['tenant_id', 'scope', 'created_at'])
    .execute();
  await db.schema.createIndex('semantic_cache_expiry').on('semantic_cache').column('expires_at').execute();
  await enableTenantRowSecurity(db, 'semantic_cache', 'tenant_id');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('semantic_cache').ifExists().execute();
}
