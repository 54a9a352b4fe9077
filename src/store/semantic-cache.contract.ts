import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7Ids } from '../core/index.ts';
import { type Database, migrateToLatest, SqlSemanticCache, SqlTenantStore } from './index.ts';

/**
 * SqlSemanticCache on one database: PGlite takes the pgvector path (distances in SQL), a
 * PostgreSQL server without the extension the in-process scan; both must answer alike.
 */
export function describeSemanticCacheContract(name: string, open: () => Promise<Database>): void {
  describe(`SqlSemanticCache (${name})`, () => {
    let database: Database;
    let cache: SqlSemanticCache;
    const tenant = `t-${uuidv7Ids.next()}`;
    const other = `t-${uuidv7Ids.next()}`;
    const answer = (text: string) => ({ id: 'c', choices: [{ message: { content: text } }] });

    beforeAll(async () => {
      database = await open();
      await migrateToLatest(database.db, database.schema);
      const tenants = new SqlTenantStore(database.db, database.schema);
      for (const id of [tenant, other])
        await tenants.insert({ id, name: id, displayName: id, createdAt: new Date() });
      cache = new SqlSemanticCache(database.db, uuidv7Ids);
      await cache.store(tenant, 's1', 1, [1, 0, 0], answer('x-axis'), 60_000);
      await cache.store(tenant, 's1', 1, [0, 1, 0], answer('y-axis'), 60_000);
      await cache.store(tenant, 's1', 3, [0, 0, 1], answer('z-axis, confidential'), 60_000);
      await cache.store(tenant, 's1', 1, [1, 1], answer('another model'), 60_000);
      await cache.store(tenant, 's2', 1, [0, 1, 0], answer('other scope'), 60_000);
      await cache.store(tenant, 's1', 1, [0.9, 0.1, 0], answer('expired'), 1);
    }, 60_000);

    afterAll(async () => {
      await database?.close();
    });

    it('finds the nearest live entry of the scope, with its cosine similarity', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const match = await cache.nearest(tenant, 's1', 1, [0.9, 0.2, 0]);
      expect(match?.completion).toEqual(answer('x-axis'));
      expect(match?.similarity).toBeCloseTo(0.9 / Math.sqrt(0.85), 5);
      expect((await cache.nearest(tenant, 's2', 1, [1, 0, 0]))?.completion).toEqual(answer('other scope'));
    });

    it('never answers above the caller’s sensitivity level, nor another tenant', async () => {
      expect((await cache.nearest(tenant, 's1', 1, [0, 0, 1]))?.completion).not.toEqual(
        answer('z-axis, confidential'),
      );
      expect((await cache.nearest(tenant, 's1', 3, [0, 0, 1]))?.completion).toEqual(
        answer('z-axis, confidential'),
      );
      expect(await cache.nearest(other, 's1', 3, [1, 0, 0])).toBeNull();
    });
  });
}
