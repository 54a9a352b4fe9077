/**
 * The audit log on PostgreSQL at scale. Bulk-loads RECORDS records into one tenant's chain (the
 * chain computed in this process with the same functions `verify` uses, written 10,000 rows per
 * statement), then measures, through the real AuditLog and SqlAuditStore:
 * - append throughput, records/s, with 1 and 8 concurrent appenders (one record per call), and
 *   with 1 appender writing batches of 100;
 * - filtered query latency p50 / p99 (a page of 50, newest first) for each filter: run, actor,
 *   action, tool, a 10-minute time range; anchor: a primary-key lookup (tenant, seq) through the
 *   same tenant-scoped transaction path;
 * - `verify` of the whole chain.
 * Everything lives in its own schema, dropped at the end.
 *
 * Usage: npx tsx bench/audit.ts [--records=1000000] [--queries=200]
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { type AuditEntry, AuditLog, auditContentHash, chainHash, GENESIS_HASH } from '../src/audit/index.ts';
import type { AuditAction, AuditRecord } from '../src/contracts/index.ts';
import { systemClock, uuidv7Ids } from '../src/core/index.ts';
import { migrateToLatest, openDatabase, SqlAuditStore } from '../src/store/index.ts';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RECORDS = arg('records', 1_000_000);
const QUERIES = arg('queries', 200);
const DATABASE_URL = process.env.AGENTICAI_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `bench_audit_${randomBytes(4).toString('hex')}`;
const TENANT = 'bench-tenant';
const LOAD_BATCH = 10_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const STEP_MS = 10;

const ACTIONS: AuditAction[] = [
  'tool_call',
  'llm_invoke',
  'policy_decision',
  'guard_detection',
  'admin_change',
];
const runOf = (i: number) => `run-${Math.floor(i / 20)}`;
const actorOf = (i: number) => `agent-${i % 50}`;
const toolOf = (i: number) => (i % 4 === 3 ? null : `tool-${i % 30}`);
const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)] as T;

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

function syntheticRecord(i: number): Omit<AuditRecord, 'seq' | 'content_hash' | 'prev_hash' | 'hash'> {
  return {
    id: uuidv7Ids.next(),
    tenant_id: TENANT,
    time: new Date(START + i * STEP_MS).toISOString(),
    actor_type: 'agent',
    actor: actorOf(i),
    run_id: runOf(i),
    trace_id: `trace-${Math.floor(i / 20)}`,
    user_id: null,
    action: ACTIONS[i % ACTIONS.length] as AuditAction,
    tool: toolOf(i),
    decision: i % 5 === 2 ? 'allow' : null,
    rule: i % 5 === 2 ? 'default' : null,
    input: { arguments: { query: `lookup ${i}` } },
    output: { ok: true },
    metadata: { input_tokens: 100, output_tokens: 20, latency_ms: 150 },
  };
}

async function main(): Promise<void> {
  const database = await openDatabase({ url: DATABASE_URL, schema: SCHEMA, poolSize: 12 });
  const db = database.db;
  try {
    await migrateToLatest(db, SCHEMA);
    const store = new SqlAuditStore(db);
    const log = new AuditLog(store, { mask: (v) => v, clock: systemClock, ids: uuidv7Ids });

    // Bulk load: the chain is computed here, exactly as verify recomputes it.
    let started = performance.now();
    let prev = GENESIS_HASH;
    for (let offset = 0; offset < RECORDS; offset += LOAD_BATCH) {
      const rows = [];
      for (let i = offset; i < Math.min(RECORDS, offset + LOAD_BATCH); i += 1) {
        const content = syntheticRecord(i);
        const contentHash = auditContentHash(content);
        const hash = chainHash(prev, contentHash);
        rows.push({ ...content, seq: i + 1, content_hash: contentHash, prev_hash: prev, hash });
        prev = hash;
      }
      await sql`insert into audit_records
        select * from jsonb_populate_recordset(null::audit_records, ${JSON.stringify(rows)}::jsonb)`.execute(
        db,
      );
    }
    await sql`insert into audit_heads (tenant_id, seq, hash) values (${TENANT}, ${RECORDS}, ${prev})`.execute(
      db,
    );
    await sql`analyze audit_records`.execute(db);
    const loadSeconds = (performance.now() - started) / 1000;

    const entry = (i: number): AuditEntry => ({
      actorType: 'agent',
      actor: actorOf(i),
      action: 'tool_call',
      runId: runOf(RECORDS + i),
      tool: 'tool-1',
      input: { arguments: { query: `append ${i}` } },
      output: { ok: true },
      metadata: { latency_ms: 150 },
    });
    const appendRate = async (workers: number, perWorker: number, batch: number) => {
      const begin = performance.now();
      await Promise.all(
        Array.from({ length: workers }, async (_, w) => {
          for (let n = 0; n < perWorker; n += 1) {
            const entries = Array.from({ length: batch }, (_, b) => entry(w * 1_000_000 + n * batch + b));
            await log.appendBatch(TENANT, entries);
          }
        }),
      );
      return (workers * perWorker * batch) / ((performance.now() - begin) / 1000);
    };
    await appendRate(1, 50, 1); // warm-up: connections, prepared statement
    const append1 = await appendRate(1, 1000, 1);
    const append8 = await appendRate(8, 250, 1);
    const appendBatch = await appendRate(1, 50, 100);

    const timed = async (run: () => Promise<unknown>) => {
      const samples: number[] = [];
      for (let q = 0; q < QUERIES; q += 1) {
        const begin = performance.now();
        await run();
        samples.push(performance.now() - begin);
      }
      return samples;
    };
    const randomIndex = () => Math.floor(Math.random() * RECORDS);
    const page = { limit: 50 };
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['primary key (tenant, seq) (anchor)', () => store.chain(TENANT, randomIndex(), RECORDS, 1)],
      ['run', () => log.query(TENANT, { run: runOf(randomIndex()) }, page)],
      ['actor', () => log.query(TENANT, { actor: actorOf(randomIndex()) }, page)],
      ['action', () => log.query(TENANT, { action: pick(ACTIONS) }, page)],
      ['tool', () => log.query(TENANT, { tool: `tool-${Math.floor(Math.random() * 30)}` }, page)],
      [
        'time range (10 min)',
        () => {
          const from = START + randomIndex() * STEP_MS;
          return log.query(
            TENANT,
            { from: new Date(from).toISOString(), to: new Date(from + 600_000).toISOString() },
            page,
          );
        },
      ],
      [
        'actor + action + time range (1 h)',
        () => {
          const from = START + randomIndex() * STEP_MS;
          return log.query(
            TENANT,
            {
              actor: actorOf(randomIndex()),
              action: pick(ACTIONS),
              from: new Date(from).toISOString(),
              to: new Date(from + 3_600_000).toISOString(),
            },
            page,
          );
        },
      ],
    ];
    const latencies: Array<[string, number, number]> = [];
    for (const [name, run] of cases) {
      await timed(run); // warm-up round
      const samples = await timed(run);
      latencies.push([name, percentile(samples, 0.5), percentile(samples, 0.99)]);
    }

    started = performance.now();
    const verification = await log.verify(TENANT);
    const verifySeconds = (performance.now() - started) / 1000;
    if (!verification.ok)
      throw new Error(`the loaded chain does not verify: ${JSON.stringify(verification)}`);

    const size = await sql<{
      size: string;
    }>`select pg_size_pretty(pg_total_relation_size('audit_records')) as size`.execute(db);
    console.log(`\nAudit log, PostgreSQL, ${RECORDS.toLocaleString('en')} records in one tenant's chain`);
    console.log(`(bulk load ${loadSeconds.toFixed(1)} s, table with indexes ${size.rows[0]?.size})\n`);
    console.log('| append                          | records/s |');
    console.log('| ------------------------------- | --------: |');
    console.log(`| 1 appender, 1 record per call   | ${append1.toFixed(0).padStart(9)} |`);
    console.log(`| 8 appenders, 1 record per call  | ${append8.toFixed(0).padStart(9)} |`);
    console.log(`| 1 appender, 100 records per call| ${appendBatch.toFixed(0).padStart(9)} |`);
    console.log('\n| query (page of 50, newest first)   | p50 ms | p99 ms |');
    console.log('| ---------------------------------- | -----: | -----: |');
    for (const [name, p50, p99] of latencies)
      console.log(`| ${name.padEnd(34)} | ${p50.toFixed(2).padStart(6)} | ${p99.toFixed(2).padStart(6)} |`);
    console.log(
      `\nverify: ${verification.records.toLocaleString('en')} records in ${verifySeconds.toFixed(1)} s ` +
        `(${(verification.records / verifySeconds).toFixed(0)} records/s)`,
    );
  } finally {
    await sql`drop schema if exists ${sql.id(SCHEMA)} cascade`.execute(db).catch(() => undefined);
    await database.close();
  }
}

await main();
