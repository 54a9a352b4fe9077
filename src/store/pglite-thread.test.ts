import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../core/index.ts';
import { type Database, openDatabase } from './index.ts';

describe('PGlite in its worker thread', () => {
  let database: Database;

  beforeAll(async () => {
    database = await openDatabase({});
  });
  afterAll(async () => {
    await database?.close();
  });

  it('opens with PostgreSQL’s default buffer cache when the cluster is small (auto)', async () => {
    expect(database.sharedBuffersMb).toBe(128);
    const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(database.db);
    expect(rows[0]?.shared_buffers).toBe('128MB');
  });

  it('opens with the buffer cache it is given', async () => {
    const sized = await openDatabase({ sharedBuffersMb: 48 });
    try {
      expect(sized.sharedBuffersMb).toBe(48);
      const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(sized.db);
      expect(rows[0]?.shared_buffers).toBe('48MB');
    } finally {
      await sized.close();
    }
  });

  it('delivers a committed NOTIFY to every handler of its channel, and none after unlisten', async () => {
    const first: string[] = [];
    const second: string[] = [];
    const stopFirst = await database.listen('thread_test', (payload) => first.push(payload));
    const stopSecond = await database.listen('thread_test', (payload) => second.push(payload));
    await database.db.transaction().execute(async (trx) => {
      await sql`select pg_notify('thread_test', 'in a transaction')`.execute(trx);
      // Not delivered before the commit.
      expect(first).toEqual([]);
    });
    await sql`select pg_notify('thread_test', 'alone')`.execute(database.db);
    await stopFirst();
    await sql`select pg_notify('thread_test', 'after one unlisten')`.execute(database.db);
    await stopSecond();
    await sql`select pg_notify('thread_test', 'after both')`.execute(database.db);

    expect(first).toEqual(['in a transaction', 'alone']);
    expect(second).toEqual(['in a transaction', 'alone', 'after one unlisten']);
  });

  it('answers concurrent queries each with its own result, in one session', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        sql<{ value: number }>`select ${index}::int as value`.execute(database.db),
      ),
    );
    expect(results.map((result) => result.rows[0]?.value)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('reports an SQL error to its query and keeps serving', async () => {
    await expect(sql`select * from no_such_table`.execute(database.db)).rejects.toThrow(/no_such_table/);
    const after = await sql<{ ok: number }>`select 1 as ok`.execute(database.db);
    expect(after.rows).toEqual([{ ok: 1 }]);
  });
});

describe('a PGlite database in a process', () => {
  it('holds no process open while idle, and refuses queries once closed', () => {
    // A script that opens a database, queries it and never closes it must still exit; after
    // close, a query must fail rather than hang.
    const script = `
      const { openDatabase } = await import(${JSON.stringify(join(PACKAGE_ROOT, 'src', 'store', 'index.ts'))});
      const database = await openDatabase({});
      const row = await database.db.selectNoFrom((eb) => [eb.lit(42).as('answer')]).executeTakeFirst();
      console.log('answer', row.answer);
      const other = await openDatabase({});
      await other.close();
      const closed = await other.db.selectNoFrom((eb) => [eb.lit(1).as('one')]).execute().then(() => 'answered', (error) => 'refused: ' + error.message);
      console.log(closed);
    `;
    const directory = mkdtempSync(join(tmpdir(), 'agenticai-thread-'));
    const file = join(directory, 'idle.mts');
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    rmSync(directory, { recursive: true, force: true });
    expect(child.stderr).toBe('');
    expect(child.stdout).toContain('answer 42');
    expect(child.stdout).toMatch(/refused: .+/);
    expect(child.status).toBe(0);
  });
});
