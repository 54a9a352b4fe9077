import { type Kysely, sql } from 'kysely';
import { enableTenantRowSecurity } from './helpers.ts';

/**
 * Triggers (`kind: Trigger`): stored like the other spec-only kinds, plus one state row per
 * trigger: when a schedule fires next (null: never), the lease of the scheduler firing it, and
 * what the last fire did. Schedulers claim due rows of every tenant with `for update skip locked`
 * through the partial index on `next_fire_at`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('triggers')
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
    .addUniqueConstraint('triggers_tenant_name', ['tenant_id', 'name'])
    .execute();
  await enableTenantRowSecurity(db, 'triggers', 'tenant_id');

  await db.schema
    .createTable('trigger_state')
    .addColumn('trigger_id', 'text', (c) => c.primaryKey().references('triggers.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('next_fire_at', 'timestamptz')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('last_fired_at', 'timestamptz')
    .addColumn('last_run_id', 'text')
    .addColumn('last_error', 'text')
    .addColumn('fires', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`create index trigger_state_due on trigger_state (next_fire_at) where next_fire_at is not null`.execute(
    db,
  );
  await enableTenantRowSecurity(db, 'trigger_state', 'tenant_id');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('trigger_state').ifExists().execute();
  await db.schema.dropTable('triggers').ifExists().execute();
}
