import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelAliasSpec, ModelAliasSpecSchema } from '../contracts/index.ts';
import { AppError, uuidv7Ids } from '../core/index.ts';
import type { TenantRecord } from '../identity/index.ts';
import type { ModelAliasRecord, ModelAliasStore } from '../registry/index.ts';
import {
  channelsFor,
  type Database,
  type DB,
  inTenantTransaction,
  migrateToLatest,
  SqlRegistryTransactions,
  SqlTenantStore,
} from './index.ts';

const CANARY: ModelAliasSpec = ModelAliasSpecSchema.parse({
  routing_strategy: 'weighted',
  targets: [
    { backend: 'vllm', model: 'qwen-7b', weight: 80 },
    { backend: 'vllm', model: 'qwen-14b', weight: 20 },
  ],
  fallbacks: ['openai/gpt-4o-mini'],
  retries: { max_attempts: 2 },
});

const BY_CAPABILITY: ModelAliasSpec = ModelAliasSpecSchema.parse({
  routing_strategy: 'cost_optimized',
  capabilities: ['security_analysis'],
});

/** Lowercase letters and digits only, so names sort the same under every collation. */
const token = (): string => randomBytes(6).toString('hex');

async function errorCodeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (rejection: unknown) => rejection,
  );
  expect(error, 'expected the promise to reject').toBeInstanceOf(AppError);
  return (error as AppError).code;
}

/** Polls until `check` holds; NOTIFY reaches a Postgres listener a moment after the commit. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The conformance suite of ModelAliasStore over every database behind `Database`: PGlite and
 * PostgreSQL. Tests isolate themselves with fresh tenants.
 */
export function describeModelAliasStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`model alias store contract: ${name}`, () => {
    let database: Database;
    let db: Kysely<DB>;
    let tenants: SqlTenantStore;
    let registry: SqlRegistryTransactions;

    beforeAll(async () => {
      database = await open();
      db = database.db;
      await migrateToLatest(db, database.schema);
      tenants = new SqlTenantStore(db, database.schema);
      registry = new SqlRegistryTransactions(db, database.schema);
    });

    afterAll(async () => {
      await database?.close();
    });

    const freshTenant = (): Promise<TenantRecord> => {
      const tenantName = `tenant${token()}`;
      return tenants.insert({
        id: uuidv7Ids.next(),
        name: tenantName,
        displayName: tenantName,
        createdAt: new Date(),
      });
    };

    const aliasRecord = (aliasName: string, labels: Record<string, string> = {}, spec = CANARY) => ({
      id: uuidv7Ids.next(),
      name: aliasName,
      labels,
      annotations: {},
      spec,
      specHash: 'hash-1',
      createdAt: new Date(),
    });

    const inAliases = <T>(tenantId: string, fn: (aliases: ModelAliasStore) => Promise<T>): Promise<T> =>
      registry.run(tenantId, ({ modelAliases }) => fn(modelAliases));

    it('stores an alias with its whole spec and finds it by name', async () => {
      const tenant = await freshTenant();
      const record = aliasRecord('analyst', { team: 'soc' });

      const stored = await inAliases(tenant.id, (aliases) => aliases.insert(record));
      const found = await inAliases(tenant.id, (aliases) => aliases.get('analyst'));

      expect(stored).toEqual({ ...record, resourceVersion: 1, updatedAt: record.createdAt });
      expect(found).toEqual(stored);
      expect(found?.spec.targets?.map((t) => t.weight)).toEqual([80, 20]);
      expect(await inAliases(tenant.id, (aliases) => aliases.get('absent'))).toBeNull();
    });

    it('rejects a second alias with the same name in the tenant as ALREADY_EXISTS, not in another', async () => {
      const tenant = await freshTenant();
      const other = await freshTenant();
      await inAliases(tenant.id, (aliases) => aliases.insert(aliasRecord('analyst')));

      const duplicate = await errorCodeOf(
        inAliases(tenant.id, (aliases) => aliases.insert(aliasRecord('analyst'))),
      );
      const elsewhere = await inAliases(other.id, (aliases) => aliases.insert(aliasRecord('analyst')));

      expect(duplicate).toBe('ALREADY_EXISTS');
      expect(elsewhere.name).toBe('analyst');
    });

    it('lists aliases ordered by name, pages with after and filters by labels', async () => {
      const tenant = await freshTenant();
      await inAliases(tenant.id, async (aliases) => {
        await aliases.insert(aliasRecord('triage', { zone: 'eu' }));
        await aliases.insert(aliasRecord('chat', { zone: 'us' }));
        await aliases.insert(aliasRecord('embed', { zone: 'eu', tier: 'cheap' }, BY_CAPABILITY));
      });

      const names = (page: ModelAliasRecord[]) => page.map((a) => a.name);
      const pages = await inAliases(tenant.id, async (aliases) => ({
        first: await aliases.list({ limit: 2 }),
        second: await aliases.list({ limit: 2, after: 'embed' }),
        eu: await aliases.list({ limit: 10 }, { zone: 'eu' }),
        euCheap: await aliases.list({ limit: 10 }, { zone: 'eu', tier: 'cheap' }),
      }));

      expect(names(pages.first)).toEqual(['chat', 'embed']);
      expect(names(pages.second)).toEqual(['triage']);
      expect(names(pages.eu)).toEqual(['embed', 'triage']);
      expect(names(pages.euCheap)).toEqual(['embed']);
      expect(pages.euCheap[0]?.spec).toEqual(BY_CAPABILITY);
    });

    it('updates with compare-and-set and rejects a stale resource version as STALE_RESOURCE_VERSION', async () => {
      const tenant = await freshTenant();
      const alias = await inAliases(tenant.id, (aliases) => aliases.insert(aliasRecord('analyst')));
      const changes = {
        labels: { zone: 'us' },
        annotations: { owner: 'ops' },
        spec: BY_CAPABILITY,
        specHash: 'hash-2',
      };

      const updated = await inAliases(tenant.id, (aliases) => aliases.update(alias.id, changes, 1));
      const stale = inAliases(tenant.id, (aliases) => aliases.update(alias.id, changes, 1));

      expect(updated).toMatchObject({ ...changes, resourceVersion: 2 });
      expect(await errorCodeOf(stale)).toBe('STALE_RESOURCE_VERSION');
      expect(await inAliases(tenant.id, (aliases) => aliases.get('analyst'))).toEqual(updated);
    });

    it('deletes with compare-and-set and rejects a stale resource version as STALE_RESOURCE_VERSION', async () => {
      const tenant = await freshTenant();
      const alias = await inAliases(tenant.id, (aliases) => aliases.insert(aliasRecord('analyst')));

      const stale = inAliases(tenant.id, (aliases) => aliases.delete(alias.id, 2));
      expect(await errorCodeOf(stale)).toBe('STALE_RESOURCE_VERSION');

      await inAliases(tenant.id, (aliases) => aliases.delete(alias.id, 1));
      expect(await inAliases(tenant.id, (aliases) => aliases.get('analyst'))).toBeNull();
    });

    it("shows a tenant transaction only its own tenant's aliases and refuses to write another's", async () => {
      const a = await freshTenant();
      const b = await freshTenant();
      await inAliases(a.id, (aliases) => aliases.insert(aliasRecord('mine')));
      await inAliases(b.id, (aliases) => aliases.insert(aliasRecord('theirs')));

      const raw = await inTenantTransaction(
        db,
        a.id,
        async (trx) =>
          (await sql<{ name: string }>`select name from model_aliases order by name`.execute(trx)).rows,
      );
      const foreign = await inAliases(a.id, (aliases) => aliases.get('theirs'));
      const smuggled = inTenantTransaction(db, a.id, (trx) =>
        trx
          .insertInto('model_aliases')
          .values({
            id: uuidv7Ids.next(),
            tenant_id: b.id,
            name: 'smuggled',
            labels: '{}',
            annotations: '{}',
            spec: JSON.stringify(CANARY),
            spec_hash: 'hash-1',
            resource_version: 1,
          })
          .execute(),
      );

      expect(raw).toEqual([{ name: 'mine' }]);
      expect(foreign).toBeNull();
      await expect(smuggled).rejects.toMatchObject({ code: '42501' });
      expect((await inAliases(b.id, (aliases) => aliases.list({ limit: 10 }))).map((x) => x.name)).toEqual([
        'theirs',
      ]);
    });

    it('notifies the models channel with the tenant id on every committed write, never on a rollback', async () => {
      const a = await freshTenant();
      const b = await freshTenant();
      const heard: string[] = [];
      const unlisten = await database.listen(channelsFor(database.schema).models, (payload) => {
        if (payload === a.id || payload === b.id) heard.push(payload);
      });
      try {
        const alias = await inAliases(a.id, (aliases) => aliases.insert(aliasRecord('analyst')));
        await inAliases(a.id, (aliases) =>
          aliases.update(alias.id, { labels: {}, annotations: {}, spec: CANARY, specHash: 'hash-2' }),
        );
        await inAliases(a.id, (aliases) => aliases.delete(alias.id));
        await eventually(() => heard.length === 3, 'three notifications');

        const rolledBack = inAliases(a.id, async (aliases) => {
          await aliases.insert(aliasRecord('ghost'));
          throw new Error('roll back');
        });
        await expect(rolledBack).rejects.toThrow('roll back');
        // Notifications arrive in commit order: once b's is in, a rolled-back one would be too.
        await inAliases(b.id, (aliases) => aliases.insert(aliasRecord('marker')));
        await eventually(() => heard.includes(b.id), "the other tenant's notification");

        expect(heard).toEqual([a.id, a.id, a.id, b.id]);
      } finally {
        await unlisten();
      }
    });
  });
}
