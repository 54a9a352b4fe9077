import { describe, expect, it } from 'vitest';
import { type MakeLimitsHarness, useLimitsHarness } from './limits-harness.ts';
import { RETRY_NEVER } from './rate-limiter.ts';

/** A refill so slow that real time passing during a test never adds a whole token. */
const SLOW = 0.001;

/** The RateLimiter half of the limits contract. */
export function describeRateLimiterContract(make: MakeLimitsHarness): void {
  describe('rate limiter', () => {
    const limits = useLimitsHarness(make);
    const { key } = limits;

    it('starts full and allows takes until the bucket is empty', async () => {
      const rule = { capacity: 3, refillPerSecond: SLOW };
      const decisions = [];
      for (let i = 0; i < 4; i += 1) decisions.push(await limits.rateLimiter.take(key('b'), rule));

      expect(decisions.slice(0, 3)).toEqual([
        { allowed: true, remaining: 2, retryAfterMs: 0, limit: 3 },
        { allowed: true, remaining: 1, retryAfterMs: 0, limit: 3 },
        { allowed: true, remaining: 0, retryAfterMs: 0, limit: 3 },
      ]);
      expect(decisions[3]).toMatchObject({ allowed: false, remaining: 0, limit: 3 });
    });

    it('subtracts nothing when it refuses a take', async () => {
      const rule = { capacity: 10, refillPerSecond: SLOW };

      expect(await limits.rateLimiter.take(key('b'), rule, 7)).toMatchObject({
        allowed: true,
        remaining: 3,
      });
      expect(await limits.rateLimiter.take(key('b'), rule, 5)).toMatchObject({
        allowed: false,
        remaining: 3,
      });
      expect(await limits.rateLimiter.take(key('b'), rule, 5)).toMatchObject({
        allowed: false,
        remaining: 3,
      });
      expect(await limits.rateLimiter.take(key('b'), rule, 3)).toMatchObject({
        allowed: true,
        remaining: 0,
      });
      expect((await limits.rateLimiter.take(key('b'), rule, 1)).allowed).toBe(false);
    });

    it('says when the refused cost will be there, and allows it from then on', async () => {
      const rule = { capacity: 4, refillPerSecond: 2 };
      await limits.rateLimiter.take(key('b'), rule, 4);

      const refused = await limits.rateLimiter.take(key('b'), rule, 3);

      // 3 tokens at 2 per second: 1.5 s, less whatever real time already passed.
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1500);
      expect(refused.retryAfterMs).toBeGreaterThanOrEqual(1500 - limits.harness.clockSlackMs);
      await limits.harness.advance(refused.retryAfterMs);
      expect((await limits.rateLimiter.take(key('b'), rule, 3)).allowed).toBe(true);
    });

    it('waits for a cost of several tokens rather than one', async () => {
      const rule = { capacity: 100, refillPerSecond: 1 };
      await limits.rateLimiter.take(key('b'), rule, 100);

      const one = await limits.rateLimiter.take(key('b'), rule, 1);
      const fifty = await limits.rateLimiter.take(key('b'), rule, 50);

      expect(one.retryAfterMs).toBeGreaterThanOrEqual(1000 - limits.harness.clockSlackMs);
      expect(one.retryAfterMs).toBeLessThanOrEqual(1000);
      expect(fifty.retryAfterMs).toBeGreaterThanOrEqual(50_000 - limits.harness.clockSlackMs);
      expect(fifty.retryAfterMs).toBeLessThanOrEqual(50_000);
    });

    it('refills continuously but never past capacity', async () => {
      const rule = { capacity: 5, refillPerSecond: 100 };
      await limits.rateLimiter.take(key('b'), rule, 5);

      // Long enough for 20 tokens: the bucket holds 5.
      await limits.harness.advance(200);

      expect(await limits.rateLimiter.take(key('b'), rule, 5)).toMatchObject({
        allowed: true,
        remaining: 0,
      });
    });

    it('refuses a cost above capacity with RETRY_NEVER and takes nothing', async () => {
      const rule = { capacity: 10, refillPerSecond: SLOW };

      expect(await limits.rateLimiter.take(key('b'), rule, 11)).toEqual({
        allowed: false,
        remaining: 10,
        retryAfterMs: RETRY_NEVER,
        limit: 10,
      });
      expect(await limits.rateLimiter.take(key('b'), rule, 10)).toMatchObject({
        allowed: true,
        remaining: 0,
      });
      expect((await limits.rateLimiter.take(key('b'), rule, 11)).retryAfterMs).toBe(RETRY_NEVER);
    });

    it('allows a take of cost 0 without changing the bucket', async () => {
      const rule = { capacity: 2, refillPerSecond: SLOW };

      expect(await limits.rateLimiter.take(key('b'), rule, 0)).toMatchObject({
        allowed: true,
        remaining: 2,
      });
      expect(await limits.rateLimiter.take(key('b'), rule, 2)).toMatchObject({
        allowed: true,
        remaining: 0,
      });
      expect(await limits.rateLimiter.take(key('b'), rule, 0)).toMatchObject({
        allowed: true,
        remaining: 0,
      });
    });

    it('keeps the buckets of different keys apart', async () => {
      const rule = { capacity: 3, refillPerSecond: SLOW };
      await limits.rateLimiter.take(key('a'), rule, 3);

      expect(await limits.rateLimiter.take(key('other'), rule, 1)).toMatchObject({
        allowed: true,
        remaining: 2,
      });
      expect((await limits.rateLimiter.take(key('a'), rule, 1)).allowed).toBe(false);
    });

    it('clamps a bucket to a lowered capacity', async () => {
      await limits.rateLimiter.take(key('b'), { capacity: 10, refillPerSecond: SLOW }, 1);

      const lowered = await limits.rateLimiter.take(key('b'), { capacity: 5, refillPerSecond: SLOW }, 1);

      expect(lowered).toEqual({ allowed: true, remaining: 4, retryAfterMs: 0, limit: 5 });
    });

    it('lets exactly capacity of many concurrent takes through', async () => {
      const rule = { capacity: 50, refillPerSecond: SLOW };

      const decisions = await Promise.all(
        Array.from({ length: 120 }, () => limits.rateLimiter.take(key('race'), rule)),
      );

      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(50);
      expect(decisions.map((decision) => decision.remaining).sort((a, b) => a - b)[0]).toBe(0);
    });

    it('rejects rules and costs it cannot honour', async () => {
      const take = (capacity: number, refillPerSecond: number, cost?: number) =>
        limits.rateLimiter.take(key('b'), { capacity, refillPerSecond }, cost);

      for (const attempt of [
        take(0, 1),
        take(-1, 1),
        take(Number.POSITIVE_INFINITY, 1),
        take(10, 0),
        take(10, Number.NaN),
        take(10, 1, -1),
        take(10, 1, Number.NaN),
      ]) {
        await expect(attempt).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
      }
    });
  });
}
