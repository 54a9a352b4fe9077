import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../../test/support/env.ts';
import { describeLimitsContract } from './limits.contract.ts';
import { RedisBudgetLedger } from './redis-budget-ledger.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';

/** One namespace per run, so parallel runs against the same Redis never share keys. */
const RUN_NAMESPACE = `agenticai-test-${randomBytes(6).toString('hex')}`;

/** Deletes every key of this run's namespaces (they would expire anyway, some only after a day). */
async function dangerouslyDeleteRunKeys(url: string): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${RUN_NAMESPACE}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }
}

describe.skipIf(!TEST_REDIS_URL)('redis', () => {
  const url = TEST_REDIS_URL ?? '';
  const clients: Redis[] = [];
  const client = (): Redis => {
    const created = new Redis(url);
    clients.push(created);
    return created;
  };

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((each) => each.quit()));
  });

  afterAll(async () => {
    await dangerouslyDeleteRunKeys(url);
  });

  describeLimitsContract('redis', async (options) => {
    const rateLimiter = await RedisRateLimiter.connect({ url, namespace: RUN_NAMESPACE });
    const ledger = await RedisBudgetLedger.connect({ url, namespace: RUN_NAMESPACE, ...options });
    // A second connection, as another replica of the gateway would have.
    const replicaClient = new Redis(url);
    const replica = new RedisBudgetLedger(replicaClient, { namespace: RUN_NAMESPACE, ...options });
    return {
      rateLimiter,
      ledger,
      replica,
      now: Date.now,
      advance: async (ms) => {
        await sleep(ms);
      },
      clockSlackMs: 250,
      close: async () => {
        await Promise.all([rateLimiter.close(), ledger.close(), replica.close()]);
        await replicaClient.quit();
      },
    };
  });

  it('lets a bucket key expire once the bucket would be full again', async () => {
    const raw = client();
    const limiter = new RedisRateLimiter(raw, { namespace: RUN_NAMESPACE });
    const key = `idle-${randomBytes(4).toString('hex')}`;

    await limiter.take(key, { capacity: 5, refillPerSecond: 100 }, 2);

    // 2 tokens at 100 per second: full again in 20 ms.
    const ttl = await raw.pttl(`${RUN_NAMESPACE}:rate:${key}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(20);
    await sleep(60);
    expect(await raw.exists(`${RUN_NAMESPACE}:rate:${key}`)).toBe(0);
  });

  it('writes nothing for a refused take', async () => {
    const raw = client();
    const limiter = new RedisRateLimiter(raw, { namespace: RUN_NAMESPACE });
    const key = `refused-${randomBytes(4).toString('hex')}`;

    await limiter.take(key, { capacity: 5, refillPerSecond: 1 }, 6);

    expect(await raw.exists(`${RUN_NAMESPACE}:rate:${key}`)).toBe(0);
  });

  it('expires a line and its holds a grace after its window, and a reservation after its ttl', async () => {
    const raw = client();
    const ledger = new RedisBudgetLedger(raw, {
      namespace: RUN_NAMESPACE,
      reservationTtlMs: 30_000,
      windowGraceMs: 5_000,
    });
    const line = { key: `day-${randomBytes(4).toString('hex')}`, limit: 100, resetAt: Date.now() + 60_000 };

    const result = await ledger.reserve([line], 10);

    if (!result.ok) throw new Error('expected the reservation to fit');
    const prefix = `${RUN_NAMESPACE}:budget`;
    expect(await raw.pexpiretime(`${prefix}:line:${line.key}`)).toBe(line.resetAt + 5_000);
    expect(await raw.pexpiretime(`${prefix}:holds:${line.key}`)).toBe(line.resetAt + 5_000);
    expect(await raw.zscore(`${prefix}:holds:${line.key}`, `10:${result.reservation.id}`)).toBe(
      String(result.reservation.expiresAt),
    );
    const recordTtl = await raw.pttl(`${prefix}:reservation:${result.reservation.id}`);
    expect(recordTtl).toBeGreaterThan(25_000);
    expect(recordTtl).toBeLessThanOrEqual(30_000);
  });

  it('never expires a line whose window never ends', async () => {
    const raw = client();
    const ledger = new RedisBudgetLedger(raw, { namespace: RUN_NAMESPACE });
    const line = {
      key: `total-${randomBytes(4).toString('hex')}`,
      limit: 100,
      resetAt: Number.POSITIVE_INFINITY,
    };

    const result = await ledger.reserve([line], 10);
    if (!result.ok) throw new Error('expected the reservation to fit');
    await ledger.settle(result.reservation, 10);

    expect(await raw.pttl(`${RUN_NAMESPACE}:budget:line:${line.key}`)).toBe(-1);
  });

  it('agrees on one bucket across two connections', async () => {
    const first = new RedisRateLimiter(client(), { namespace: RUN_NAMESPACE });
    const second = new RedisRateLimiter(client(), { namespace: RUN_NAMESPACE });
    const key = `shared-${randomBytes(4).toString('hex')}`;
    const rule = { capacity: 40, refillPerSecond: 0.001 };

    const decisions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? first : second).take(key, rule)),
    );

    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(40);
  });

  it('keeps the buckets and budgets of two namespaces apart', async () => {
    const shared = client();
    const blue = new RedisRateLimiter(shared, { namespace: `${RUN_NAMESPACE}-blue` });
    const green = new RedisRateLimiter(shared, { namespace: `${RUN_NAMESPACE}-green` });
    const blueLedger = new RedisBudgetLedger(shared, { namespace: `${RUN_NAMESPACE}-blue` });
    const greenLedger = new RedisBudgetLedger(shared, { namespace: `${RUN_NAMESPACE}-green` });
    const rule = { capacity: 1, refillPerSecond: 0.001 };
    const line = { key: 'tenant', limit: 10, resetAt: Date.now() + 60_000 };

    await blue.take('k', rule);
    await blueLedger.reserve([line], 10);

    expect((await green.take('k', rule)).allowed).toBe(true);
    expect((await greenLedger.reserve([line], 10)).ok).toBe(true);
    expect((await blueLedger.reserve([line], 1)).ok).toBe(false);
  });

  it('leaves a client it was given open when closed', async () => {
    const shared = client();
    const limiter = new RedisRateLimiter(shared, { namespace: RUN_NAMESPACE });
    const ledger = new RedisBudgetLedger(shared, { namespace: RUN_NAMESPACE });

    await limiter.close();
    await ledger.close();

    expect(await shared.ping()).toBe('PONG');
  });

  it('quits the connection it opened when closed', async () => {
    const limiter = await RedisRateLimiter.connect({ url, namespace: RUN_NAMESPACE });
    const ledger = await RedisBudgetLedger.connect({ url, namespace: RUN_NAMESPACE });

    await limiter.close();
    await ledger.close();

    await expect(limiter.take('k', { capacity: 1, refillPerSecond: 1 })).rejects.toThrow();
    await expect(ledger.usage('k')).rejects.toThrow();
  });

  it('sends nothing once the signal is aborted', async () => {
    const limiter = new RedisRateLimiter(client(), { namespace: RUN_NAMESPACE });
    const key = `aborted-${randomBytes(4).toString('hex')}`;
    const rule = { capacity: 1, refillPerSecond: 0.001 };

    await expect(limiter.take(key, rule, 1, AbortSignal.abort())).rejects.toMatchObject({
      name: 'AbortError',
    });

    expect((await limiter.take(key, rule)).allowed).toBe(true);
  });
});
