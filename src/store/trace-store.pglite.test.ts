import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../contracts/index.ts';
import { type Database, migrateToLatest, openDatabase, SqlTraceStore, SqlUsageStore } from './index.ts';

let database: Database;

beforeAll(async () => {
  database = await openDatabase({});
  await migrateToLatest(database.db, database.schema);
  for (const id of ['t-a', 't-b'])
    await database.db
      .insertInto('tenants')
      .values({ id, name: id, display_name: id, created_at: new Date() } as never)
      .execute();
});

afterAll(async () => {
  await database?.close();
});

const span = (over: Partial<SpanRecord>): SpanRecord => ({
  tenantId: 't-a',
  traceId: 'a'.repeat(32),
  spanId: Math.random().toString(16).slice(2, 18).padEnd(16, '0'),
  parentSpanId: null,
  runId: 'run-1',
  name: 'Agent.Step',
  kind: 'internal',
  startTime: new Date(),
  durationUs: 1500,
  status: 'ok',
  statusMessage: null,
  attributes: { 'step.key': 'k' },
  events: [],
  ...over,
});

describe('the trace store on PGlite', () => {
  it('returns a run’s spans across batches, each once, in start order, only to its tenant', async () => {
    const store = new SqlTraceStore(database.db);
    const first = span({ startTime: new Date(Date.now() - 2000), name: 'Run' });
    const second = span({ parentSpanId: first.spanId });
    await store.write([second, span({ tenantId: 't-b', runId: 'run-1' })]);
    await store.write([first, second, span({ tenantId: 'gone', runId: 'run-1' })]);
    const spans = await store.forRun('t-a', 'run-1');
    expect(spans.map((s) => [s.name, s.spanId])).toEqual([
      ['Run', first.spanId],
      ['Agent.Step', second.spanId],
    ]);
    expect(spans[1]).toMatchObject({
      durationUs: 1500,
      parentSpanId: first.spanId,
      attributes: { 'step.key': 'k' },
    });
    expect(await store.forRun('t-b', 'run-1')).toHaveLength(1);
  });

  it('sweeps what started before the retention cut', async () => {
    const store = new SqlTraceStore(database.db);
    await store.write([span({ runId: 'old', startTime: new Date(Date.now() - 10 * 86_400_000) })]);
    await store.write([span({ runId: 'new' })]);
    expect(await store.sweep(new Date(Date.now() - 7 * 86_400_000))).toBe(1);
    expect(await store.forRun('t-a', 'old')).toEqual([]);
    expect(await store.forRun('t-a', 'new')).toHaveLength(1);
  });

  it('adds usage up per key in one upsert, whatever the batches', async () => {
    const usage = new SqlUsageStore(database.db);
    const entry = {
      tenantId: 't-a',
      day: '2026-12-05',
      agent: 'triage',
      model: 'vllm/qwen',
      principal: 'alice',
      calls: 1,
      errors: 0,
      inputTokens: 10.4,
      outputTokens: 3,
      costUsd: 0.001,
      unpricedCalls: 0,
    };
    await usage.add([entry, entry, { ...entry, tenantId: 'gone' }]);
    await usage.add([{ ...entry, model: 'other', costUsd: 0.5 }]);
    const byModel = await usage.totals('t-a', 'model', '2026-12-01', '2026-12-31');
    expect(byModel).toEqual([
      { key: 'other', calls: 1, errors: 0, inputTokens: 10, outputTokens: 3, costUsd: 0.5, unpricedCalls: 0 },
      {
        key: 'vllm/qwen',
        calls: 2,
        errors: 0,
        inputTokens: 21,
        outputTokens: 6,
        costUsd: 0.002,
        unpricedCalls: 0,
      },
    ]);
    expect(await usage.totals('t-b', 'model', '2026-12-01', '2026-12-31')).toEqual([]);
  });
});
