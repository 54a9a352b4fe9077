/**
 * Rate limits and budget reservations, as the model gateway calls them on every request: one
 * `take()` and one `reserve()` + `settle()` pair over four nested lines (tenant, principal, agent,
 * run) per call. Target: ≥ 10k calls/s on 2 cores.
 *
 * Memory adapters: 100,000 calls, each operation timed alone with process.hrtime.bigint().
 * Redis adapters: 20,000 calls one at a time (latency: p50 / p99 is one round trip plus the
 * script), then 20,000 with 64 in flight on one connection (throughput, as a busy gateway replica
 * would run them). Anchors in the same run: MemoryCache / RedisCache `increment()` (the fixed-window
 * counter that exists today) and a raw PING on the same Redis.
 *
 * Usage: npx tsx bench/limits.ts [--memory=100000] [--redis=20000] [--redis-url=redis://127.0.0.1:6379]
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  type BudgetLedger,
  type BudgetLine,
  MemoryBudgetLedger,
  MemoryCache,
  MemoryRateLimiter,
  type RateLimiter,
  RedisBudgetLedger,
  RedisCache,
  RedisRateLimiter,
} from '../src/store/index.ts';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const MEMORY_CALLS = Number(arg('memory', '100000'));
const REDIS_CALLS = Number(arg('redis', '20000'));
const REDIS_URL = arg('redis-url', 'redis://127.0.0.1:6379');
const IN_FLIGHT = 64;
const RULE = { capacity: 1e12, refillPerSecond: 1e9 };
const DAY_END = Date.now() + 86_400_000;

interface Row {
  name: string;
  opsPerSecond: number;
  p50Us: number;
  p99Us: number;
}

const rows: Row[] = [];
const percentile = (sorted: Float64Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** Four nested lines for call i: 10 tenants, 100 principals, 200 agents, 1,000 runs. */
function linesFor(i: number): BudgetLine[] {
  return [
    { key: `tenant:${i % 10}:day`, limit: Number.MAX_SAFE_INTEGER, resetAt: DAY_END },
    { key: `principal:${i % 100}:day`, limit: Number.MAX_SAFE_INTEGER, resetAt: DAY_END },
    { key: `agent:${i % 200}:day`, limit: Number.MAX_SAFE_INTEGER, resetAt: DAY_END },
    { key: `run:${i % 1000}`, limit: Number.MAX_SAFE_INTEGER, resetAt: Number.POSITIVE_INFINITY },
  ];
}

/** Times `count` calls one after another, each on its own. */
async function sequential(name: string, count: number, call: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(2_000, count); i += 1) await call(i);
  const samples = new Float64Array(count);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) {
    const start = process.hrtime.bigint();
    await call(i);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort();
  rows.push({
    name,
    opsPerSecond: count / seconds,
    p50Us: percentile(samples, 0.5),
    p99Us: percentile(samples, 0.99),
  });
}

/** Times `count` calls with IN_FLIGHT running at once; latency is each call's own, queueing included. */
async function concurrent(name: string, count: number, call: (i: number) => Promise<unknown>): Promise<void> {
  const samples = new Float64Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      const start = process.hrtime.bigint();
      await call(i);
      samples[i] = Number(process.hrtime.bigint() - start) / 1000;
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort();
  rows.push({
    name,
    opsPerSecond: count / seconds,
    p50Us: percentile(samples, 0.5),
    p99Us: percentile(samples, 0.99),
  });
}

const takeCall = (limiter: RateLimiter) => (i: number) => limiter.take(`tenant:${i % 10}`, RULE, 1);
const reserveSettleCall = (ledger: BudgetLedger) => async (i: number) => {
  const result = await ledger.reserve(linesFor(i), 1_000);
  if (!result.ok) throw new Error(`bench budget refused on ${result.line}`);
  await ledger.settle(result.reservation, 800);
};

async function memory(): Promise<void> {
  const cache = new MemoryCache();
  await sequential('memory: MemoryCache.increment (anchor)', MEMORY_CALLS, (i) =>
    cache.increment(`tenant:${i % 10}`, 1, 60_000),
  );
  await sequential('memory: take', MEMORY_CALLS, takeCall(new MemoryRateLimiter()));
  await sequential(
    'memory: reserve + settle (4 lines)',
    MEMORY_CALLS,
    reserveSettleCall(new MemoryBudgetLedger()),
  );
}

async function redis(): Promise<void> {
  const namespace = `agenticai-bench-${randomBytes(4).toString('hex')}`;
  const raw = new Redis(REDIS_URL);
  const cache = await RedisCache.connect({ url: REDIS_URL, namespace });
  const limiter = await RedisRateLimiter.connect({ url: REDIS_URL, namespace });
  const ledger = await RedisBudgetLedger.connect({ url: REDIS_URL, namespace });
  try {
    await sequential('redis: PING (anchor)', REDIS_CALLS, () => raw.ping());
    await sequential('redis: RedisCache.increment (anchor)', REDIS_CALLS, (i) =>
      cache.increment(`tenant:${i % 10}`, 1, 60_000),
    );
    await sequential('redis: take', REDIS_CALLS, takeCall(limiter));
    await sequential('redis: reserve + settle (4 lines)', REDIS_CALLS, reserveSettleCall(ledger));
    await concurrent(`redis: PING, ${IN_FLIGHT} in flight (anchor)`, REDIS_CALLS, () => raw.ping());
    await concurrent(`redis: take, ${IN_FLIGHT} in flight`, REDIS_CALLS, takeCall(limiter));
    await concurrent(
      `redis: reserve + settle, ${IN_FLIGHT} in flight`,
      REDIS_CALLS,
      reserveSettleCall(ledger),
    );
  } finally {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await raw.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length > 0) await raw.unlink(...keys);
    } while (cursor !== '0');
    await Promise.all([raw.quit(), cache.close(), limiter.close(), ledger.close()]);
  }
}

await memory();
await redis();

console.log(`\nNode ${process.version}; a reserve + settle pair is two operations, timed together.\n`);
console.log(
  `${'operation'.padEnd(48)} ${'ops/s'.padStart(10)} ${'p50 µs'.padStart(9)} ${'p99 µs'.padStart(9)}`,
);
for (const row of rows) {
  console.log(
    `${row.name.padEnd(48)} ${Math.round(row.opsPerSecond).toString().padStart(10)} ${row.p50Us
      .toFixed(1)
      .padStart(9)} ${row.p99Us.toFixed(1).padStart(9)}`,
  );
}
