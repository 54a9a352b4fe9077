import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditEntry, AuditLog, auditContentHash, chainHash, GENESIS_HASH } from '../audit/index.ts';
import type { AuditRecord } from '../contracts/index.ts';
import { AppError, type Clock, uuidv7Ids } from '../core/index.ts';
import { type Database, type DB, inTenantTransaction, migrateToLatest, SqlAuditStore } from './index.ts';

/** A clock that moves one second per reading from a fixed start, so times are distinct and known. */
function steppingClock(start = Date.parse('2026-01-01T00:00:00Z')): Clock {
  let tick = 0;
  return { now: () => new Date(start + 1000 * tick++) };
}

const tenant = () => `tenant-${randomBytes(6).toString('hex')}`;

const entry = (overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  actorType: 'agent',
  actor: 'triage',
  action: 'tool_call',
  runId: 'run-1',
  tool: 'http_request',
  input: { url: 'https://example.com' },
  output: { status: 200 },
  metadata: { latency_ms: 12 },
  ...overrides,
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected the promise to reject').toBeInstanceOf(Error);
  return error as Error;
}

/**
 * The AuditStore conformance suite, run against PGlite and PostgreSQL through the real AuditLog.
 * Tests isolate themselves with fresh tenant ids.
 */
export function describeAuditStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`audit store contract: ${name}`, () => {
    let database: Database;
    let db: Kysely<DB>;
    let log: AuditLog;

    beforeAll(async () => {
      database = await open();
      db = database.db;
      await migrateToLatest(db, database.schema);
      log = new AuditLog(new SqlAuditStore(db), { mask: (v) => v, clock: steppingClock(), ids: uuidv7Ids });
    });

    afterAll(async () => {
      await database?.close();
    });

    /** Tampers as the owner with the append-only trigger switched off, as an attacker with superuser would. */
    const tamper = async (statement: ReturnType<typeof sql>) => {
      await db.connection().execute(async (connection) => {
        await sql`alter table audit_records disable trigger audit_records_no_update_delete`.execute(
          connection,
        );
        try {
          await statement.execute(connection);
        } finally {
          await sql`alter table audit_records enable trigger audit_records_no_update_delete`.execute(
            connection,
          );
        }
      });
    };

    const expectValidChain = (records: readonly AuditRecord[]) => {
      let prev = GENESIS_HASH;
      records.forEach((record, index) => {
        expect(record.seq).toBe(index + 1);
        expect(record.prev_hash).toBe(prev);
        expect(record.content_hash).toBe(auditContentHash(record));
        expect(record.hash).toBe(chainHash(prev, record.content_hash));
        prev = record.hash;
      });
    };

    const allInSeqOrder = async (tenantId: string) => {
      const page = await log.query(tenantId, {}, { limit: 500 });
      return [...page.items].sort((a, b) => a.seq - b.seq);
    };

    it('chains the first record to the genesis hash and each next one to the previous hash', async () => {
      const t = tenant();
      const first = await log.append(t, entry());
      const second = await log.append(t, entry({ action: 'llm_invoke', tool: 'gpt-test' }));

      expect(first).toMatchObject({ seq: 1, prev_hash: GENESIS_HASH, tenant_id: t, action: 'tool_call' });
      expect(first.hash).toBe(chainHash(GENESIS_HASH, auditContentHash(first)));
      expect(second).toMatchObject({ seq: 2, prev_hash: first.hash });
      expectValidChain(await allInSeqOrder(t));
      expect(await log.verify(t)).toEqual({ ok: true, records: 2, head: { seq: 2, hash: second.hash } });
    });

    it('masks input, output and metadata before hashing and storing', async () => {
      const t = tenant();
      const masking = new AuditLog(new SqlAuditStore(db), {
        mask: (value) => JSON.parse(JSON.stringify(value ?? null).replaceAll('s3cret', '***')),
        clock: steppingClock(),
        ids: uuidv7Ids,
      });
      const record = await masking.append(
        t,
        entry({ input: { password: 's3cret' }, output: 'token s3cret', metadata: { note: 's3cret' } }),
      );
      const stored = await sql<{ text: string }>`select row_to_json(a)::text as text from audit_records a
        where tenant_id = ${t}`.execute(db);

      expect(record).toMatchObject({
        input: { password: '***' },
        output: 'token ***',
        metadata: { note: '***' },
      });
      expect(stored.rows[0]?.text).not.toContain('s3cret');
      expect((await log.verify(t)).ok).toBe(true);
    });

    it('appends a batch as consecutive records in one call', async () => {
      const t = tenant();
      await log.append(t, entry());
      const batch = await log.appendBatch(t, [
        entry({ actor: 'a' }),
        entry({ actor: 'b' }),
        entry({ actor: 'c' }),
      ]);

      expect(batch.map((r) => [r.seq, r.actor])).toEqual([
        [2, 'a'],
        [3, 'b'],
        [4, 'c'],
      ]);
      expectValidChain(await allInSeqOrder(t));
      expect((await log.verify(t)).records).toBe(4);
    });

    it('keeps one valid chain with seq 1..50 under 50 concurrent appends', async () => {
      const t = tenant();
      await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(t, entry({ actor: `w${i}` }))));
      const records = await allInSeqOrder(t);

      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expectValidChain(records);
      expect(await log.verify(t)).toMatchObject({ ok: true, records: 50, head: { seq: 50 } });
    });

    it('keeps one valid chain when several stores (as several processes would) append at once', async () => {
      // Each store remembers the head it last wrote; the others move it meanwhile, so every store
      // keeps losing races it must detect and redo, never forking the chain.
      const t = tenant();
      const logs = Array.from(
        { length: 4 },
        () => new AuditLog(new SqlAuditStore(db), { mask: (v) => v, clock: steppingClock(), ids: uuidv7Ids }),
      );
      await Promise.all(
        logs.flatMap((other, w) =>
          Array.from({ length: 10 }, (_, i) =>
            i % 3 === 0
              ? other.appendBatch(t, [entry({ actor: `w${w}-${i}a` }), entry({ actor: `w${w}-${i}b` })])
              : other.append(t, entry({ actor: `w${w}-${i}` })),
          ),
        ),
      );
      const records = await allInSeqOrder(t);

      expect(records).toHaveLength(56);
      expectValidChain(records);
      expect(new Set(records.map((r) => r.actor)).size).toBe(56);
      expect(await log.verify(t)).toMatchObject({ ok: true, records: 56, head: { seq: 56 } });
      // A store that was behind appends at the true head, not at the one it remembered.
      const [first] = logs as [AuditLog];
      const next = await first.append(t, entry());
      expect(next.seq).toBe(57);
      expect(await log.verify(t)).toMatchObject({ ok: true, records: 57 });
    });

    it('keeps tenants in separate chains and separate views', async () => {
      const [a, b] = [tenant(), tenant()];
      await log.append(a, entry());
      await log.append(b, entry());
      await log.append(a, entry());

      expect((await log.query(a, {}, { limit: 10 })).items.map((r) => r.seq)).toEqual([2, 1]);
      expect((await log.query(b, {}, { limit: 10 })).items.map((r) => [r.tenant_id, r.seq])).toEqual([
        [b, 1],
      ]);
    });

    it('refuses UPDATE, DELETE and TRUNCATE of audit records, even by the owner', async () => {
      const t = tenant();
      await log.append(t, entry());

      const update = await rejection(
        sql`update audit_records set actor = 'x' where tenant_id = ${t}`.execute(db),
      );
      const remove = await rejection(sql`delete from audit_records where tenant_id = ${t}`.execute(db));
      const truncate = await rejection(sql`truncate audit_records`.execute(db));

      expect(update.message).toMatch(/append-only: UPDATE is not allowed/);
      expect(remove.message).toMatch(/append-only: DELETE is not allowed/);
      expect(truncate.message).toMatch(/append-only: TRUNCATE is not allowed/);
      expect(await log.verify(t)).toMatchObject({ ok: true, records: 1 });
    });

    it('lets the tenant role read and append audit records but not change them or the head', async () => {
      const t = tenant();
      await log.append(t, entry());
      const asTenant = (statement: ReturnType<typeof sql>) =>
        inTenantTransaction(db, t, (trx) => statement.execute(trx));

      const seen = await asTenant(sql`select count(*)::int as n from audit_records`);
      const update = await rejection(asTenant(sql`update audit_records set actor = 'x'`));
      const head = await rejection(asTenant(sql`update audit_heads set seq = 0`));

      expect(seen.rows).toEqual([{ n: 1 }]);
      expect(update.message).toMatch(/permission denied/);
      expect(head.message).toMatch(/permission denied/);
    });

    it('names a record whose content was changed behind the trigger', async () => {
      const t = tenant();
      const records = await log.appendBatch(t, [entry(), entry(), entry(), entry()]);
      const victim = records[2] as AuditRecord;
      await tamper(sql`update audit_records set output = '{"status": 500}' where id = ${victim.id}`);

      expect(await log.verify(t)).toEqual({
        ok: false,
        records: 2,
        head: { seq: 4, hash: records[3]?.hash },
        first_broken: { seq: 3, id: victim.id, reason: 'content_hash_mismatch' },
      });
    });

    it('names a record whose content and content hash were both rewritten', async () => {
      const t = tenant();
      const records = await log.appendBatch(t, [entry(), entry(), entry()]);
      const victim = records[1] as AuditRecord;
      const forged = auditContentHash({ ...victim, actor: 'someone-else' });
      await tamper(
        sql`update audit_records set actor = 'someone-else', content_hash = ${forged} where id = ${victim.id}`,
      );

      expect((await log.verify(t)).first_broken).toEqual({ seq: 2, id: victim.id, reason: 'hash_mismatch' });
    });

    it('names the gap a removed record leaves, and the end a removed last record leaves', async () => {
      const [middle, tail] = [tenant(), tenant()];
      const a = await log.appendBatch(middle, [entry(), entry(), entry()]);
      const b = await log.appendBatch(tail, [entry(), entry(), entry()]);
      await tamper(sql`delete from audit_records where id = ${a[1]?.id ?? ''}`);
      await tamper(sql`delete from audit_records where id = ${b[2]?.id ?? ''}`);

      expect((await log.verify(middle)).first_broken).toEqual({ seq: 3, id: a[2]?.id, reason: 'seq_gap' });
      expect((await log.verify(tail)).first_broken).toEqual({ seq: 3, id: null, reason: 'head_mismatch' });
    });

    it('verifies an empty log as ok with no head', async () => {
      expect(await log.verify(tenant())).toEqual({ ok: true, records: 0, head: null });
    });

    it('filters by run, actor, action, tool and time range, newest first', async () => {
      const t = tenant();
      const records = await log.appendBatch(t, [
        entry({ runId: 'r1', actor: 'alice', actorType: 'principal', action: 'admin_change', tool: null }),
        entry({ runId: 'r1', actor: 'triage', action: 'llm_invoke', tool: 'gpt-test' }),
        entry({ runId: 'r2', actor: 'triage', action: 'tool_call', tool: 'http_request' }),
        entry({ runId: 'r2', actor: 'triage', action: 'policy_decision', decision: 'deny', rule: 'no-prod' }),
      ]);
      const seqs = async (query: Parameters<AuditLog['query']>[1]) =>
        (await log.query(t, query, { limit: 50 })).items.map((r) => r.seq);
      const later = await log.append(t, entry({ runId: 'r3' }));

      expect(await seqs({ run: 'r1' })).toEqual([2, 1]);
      expect(await seqs({ actor: 'alice' })).toEqual([1]);
      expect(await seqs({ action: 'policy_decision' })).toEqual([4]);
      expect(await seqs({ tool: 'http_request' })).toEqual([5, 4, 3]);
      expect(await seqs({ run: 'r2', action: 'tool_call' })).toEqual([3]);
      expect(await seqs({ from: records[0]?.time, to: later.time })).toEqual([4, 3, 2, 1]);
      expect(await seqs({ from: later.time })).toEqual([5]);
      expect(await seqs({ run: 'nothing' })).toEqual([]);
    });

    it('pages with a cursor through every record exactly once', async () => {
      const t = tenant();
      await log.appendBatch(
        t,
        Array.from({ length: 7 }, (_, i) => entry({ actor: `a${i}` })),
      );
      // Same-time records too: the batch shares one time, so seq breaks the tie.
      const seen: number[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await log.query(t, {}, { limit: 3, cursor });
        seen.push(...page.items.map((r) => r.seq));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      const exported: number[] = [];
      for await (const record of log.export(t, { actor: 'a3' })) exported.push(record.seq);

      expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);
      expect(exported).toEqual([4]);
    });

    it('rejects a time range that ends before it starts, and a forged cursor', async () => {
      const t = tenant();
      const range = await rejection(
        log.query(t, { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, { limit: 10 }),
      );
      const cursor = await rejection(log.query(t, {}, { limit: 10, cursor: 'bm90IGEgY3Vyc29y' }));

      expect(range).toBeInstanceOf(AppError);
      expect((range as AppError).fieldErrors?.[0]?.pointer).toBe('/query/to');
      expect((cursor as AppError).code).toBe('INVALID_REQUEST');
    });
  });
}
