import { type Kysely, sql } from 'kysely';
import { enableTenantRowSecurity } from './helpers.ts';

/**
 * Governance: principals gain groups (approvers name them), Policy documents with their history,
 * and approvals (human decisions a run waits for).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('principals')
    .addColumn('groups', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();

  await db.schema
    .createTable('policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('annotations', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('spec', 'jsonb', (c) => c.notNull())
    .addColumn('spec_hash', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('policies_tenant_name', ['tenant_id', 'name'])
    .execute();

  // Every version ever applied, so a decision can be traced to the document that made it.
  await db.schema
    .createTable('policy_versions')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('policy_name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('spec', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('policy_versions_pk', ['tenant_id', 'policy_name', 'version'])
    .execute();

  await db.schema
    .createTable('approvals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('step_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('tool', 'text', (c) => c.notNull())
    .addColumn('call_hash', 'text', (c) => c.notNull())
    .addColumn('arguments', 'jsonb', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('rules', 'jsonb', (c) => c.notNull())
    .addColumn('approvers', 'jsonb', (c) => c.notNull())
    .addColumn('min_approvals', 'integer', (c) => c.notNull())
    .addColumn('on_timeout', 'text', (c) => c.notNull())
    .addColumn('decisions', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('approvals_call', ['run_id', 'step_key', 'call_hash'])
    .execute();
  await db.schema
    .createIndex('approvals_tenant_status')
    .on('approvals')
    .columns(['tenant_id', 'status', 'id'])
    .execute();
  await db.schema
    .createIndex('approvals_pending_expiry')
    .on('approvals')
    .column('expires_at')
    .where(sql.ref('status'), '=', 'pending')
    .execute();

  for (const table of ['policies', 'policy_versions', 'approvals']) {
    await enableTenantRowSecurity(db, table, 'tenant_id');
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['approvals', 'policy_versions', 'policies']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await db.schema.alterTable('principals').dropColumn('groups').execute();
}
