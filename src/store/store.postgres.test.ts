import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, uniqueSchema } from '../../test/support/env.ts';
import { dangerouslyDropSchema } from '../../test/support/store.ts';
import { type Database, migrateToLatest, openDatabase, pendingMigrations } from './index.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { describeStoreContract } from './store.contract.ts';

describe.skipIf(!TEST_DATABASE_URL)('postgres', () => {
  const url = TEST_DATABASE_URL ?? '';
  const schemas: string[] = [];

  const freshSchema = (): string => {
    const schema = uniqueSchema('store');
    schemas.push(schema);
    return schema;
  };

  afterAll(async () => {
    for (const schema of schemas) await dangerouslyDropSchema(url, schema);
  });

  describeStoreContract('postgres', () => openDatabase({ url, schema: freshSchema() }));

  it('applies migrations exactly once when several replicas start at once', async () => {
    const schema = freshSchema();
    const replicas: Database[] = await Promise.all(
      Array.from({ length: 4 }, () => openDatabase({ url, schema, poolSize: 2 })),
    );
    try {
      const applied = await Promise.all(replicas.map((replica) => migrateToLatest(replica.db, schema)));

      expect(applied.flat().sort()).toEqual(Object.keys(MIGRATIONS).sort());
      const [observer] = replicas;
      if (!observer) throw new Error('no replica opened');
      const recorded = await observer.db
        .withSchema(schema)
        .selectFrom('kysely_migration' as never)
        .select('name' as never)
        .execute();
      expect((recorded as { name: string }[]).map((row) => row.name).sort()).toEqual(
        Object.keys(MIGRATIONS).sort(),
      );
      for (const replica of replicas) expect(await pendingMigrations(replica.db, schema)).toEqual([]);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });

  it('starts several replicas at once against a schema that is already current', async () => {
    const schema = freshSchema();
    const first = await openDatabase({ url, schema });
    await migrateToLatest(first.db, schema);
    await first.close();
    const replicas: Database[] = await Promise.all(
      Array.from({ length: 4 }, () => openDatabase({ url, schema, poolSize: 2 })),
    );
    try {
      const applied = await Promise.all(replicas.map((replica) => migrateToLatest(replica.db, schema)));

      expect(applied).toEqual([[], [], [], []]);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });
});
