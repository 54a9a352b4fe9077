import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7Ids } from '../core/index.ts';
import { type Database, migrateToLatest, openDatabase, pendingMigrations, SqlTenantStore } from './index.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { describeStoreContract } from './store.contract.ts';

describeStoreContract('pglite', () => openDatabase({}));

describe('pglite on disk', () => {
  const directories: string[] = [];
  const opened: Database[] = [];

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((database) => database.close()));
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  const openIn = async (dataDir: string): Promise<Database> => {
    const database = await openDatabase({ dataDir });
    opened.push(database);
    return database;
  };

  it('keeps data across a restart and applies no migration twice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-store-'));
    directories.push(dataDir);
    const tenant = { id: uuidv7Ids.next(), name: 'durable', displayName: 'Durable', createdAt: new Date() };

    const first = await openIn(dataDir);
    const appliedFirst = await migrateToLatest(first.db, first.schema);
    await new SqlTenantStore(first.db).insert(tenant);
    await first.close();
    opened.pop();

    const second = await openIn(dataDir);
    const appliedSecond = await migrateToLatest(second.db, second.schema);

    expect(second.location).toBe(first.location);
    expect(appliedFirst).toEqual(Object.keys(MIGRATIONS));
    expect(appliedSecond).toEqual([]);
    expect(await pendingMigrations(second.db, second.schema)).toEqual([]);
    expect(await new SqlTenantStore(second.db).getByName('durable')).toEqual(tenant);
  });
});
