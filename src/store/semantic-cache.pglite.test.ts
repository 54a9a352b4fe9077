import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from './index.ts';
import { describeSemanticCacheContract } from './semantic-cache.contract.ts';

describeSemanticCacheContract('pglite', () => openDatabase({}));

it('has pgvector in PGlite after the migrations, so distances are computed in SQL', async () => {
  const database = await openDatabase({});
  try {
    await migrateToLatest(database.db, database.schema);
    const { rows } = await sql<{ ok: boolean }>`select to_regtype('vector') is not null as ok`.execute(
      database.db,
    );
    expect(rows[0]?.ok).toBe(true);
  } finally {
    await database.close();
  }
});
