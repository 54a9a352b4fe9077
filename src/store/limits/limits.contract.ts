import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BudgetLedger, BudgetLine, Reservation } from './budget-ledger.ts';
import { type RateLimiter, RETRY_NEVER } from './rate-limiter.ts';

export interface LimitsHarnessOptions {
  reservationTtlMs: number;
  windowGraceMs: number;
}

/** One adapter pair under test, with the clock it reads. */
export interface LimitsHarness {
  rateLimiter: RateLimiter;
  ledger: BudgetLedger;
  /** A second ledger sharing the first one's state, as another replica would (the same object in memory). */
  replica: BudgetLedger;
  /** Epoch ms on the adapters' clock, for building windows. */
  now(): number;
  /** Lets `ms` pass: moves an injected clock, or sleeps on a real one. */
  advance(ms: number): Promise<void>;
  /**
   * How much more time may pass than the test let pass: 0 for an injected clock; for a real clock,
   * a generous bound on round trips and scheduling, so assertions stay deterministic.
   */
  clockSlackMs: number;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;
const DEFAULTS: LimitsHarnessOptions = { reservationTtlMs: 60_000, windowGraceMs: 60_000 };
/** A refill so slow that real time passing during a test never adds a whole token. */
const SLOW = 0.001;

/**
 * The conformance suite every RateLimiter and BudgetLedger pair must pass: memory and Redis. Each
 * test uses its own key prefix, so tests never see each other's buckets or budgets.
 */
export function describeLimitsContract(
  name: string,
  make: (options: LimitsHarnessOptions) => Promise<LimitsHarness>,
): void {
  describe(`limits contract: ${name}`, () => {
    let harness: LimitsHarness;
    let opened: LimitsHarness[];
    let prefix: string;
    const key = (suffix: string): string => `${prefix}:${suffix}`;
    const open = async (options: Partial<LimitsHarnessOptions>): Promise<LimitsHarness> => {
      const extra = await make({ ...DEFAULTS, ...options });
      opened.push(extra);
      return extra;
    };
    const line = (suffix: string, limit: number, resetAt = harness.now() + DAY_MS): BudgetLine => ({
      key: key(suffix),
      limit,
      resetAt,
    });
    const reserved = async (
      ledger: BudgetLedger,
      lines: BudgetLine[],
      amount: number,
    ): Promise<Reservation> => {
      const result = await ledger.reserve(lines, amount);
      if (!result.ok) throw new Error(`expected ${amount} to fit, refused on ${result.line}`);
      return result.reservation;
    };

    beforeEach(async () => {
      opened = [];
      harness = await open({});
      prefix = `contract-${randomBytes(6).toString('hex')}`;
    });

    afterEach(async () => {
      await Promise.all(opened.map((each) => each.close()));
    });

    describe('rate limiter', () => {
      it('starts full and allows takes until the bucket is empty', async () => {
        const rule = { capacity: 3, refillPerSecond: SLOW };
        const decisions = [];
        for (let i = 0; i < 4; i += 1) decisions.push(await harness.rateLimiter.take(key('b'), rule));

        expect(decisions.slice(0, 3)).toEqual([
          { allowed: true, remaining: 2, retryAfterMs: 0, limit: 3 },
          { allowed: true, remaining: 1, retryAfterMs: 0, limit: 3 },
          { allowed: true, remaining: 0, retryAfterMs: 0, limit: 3 },
        ]);
        expect(decisions[3]).toMatchObject({ allowed: false, remaining: 0, limit: 3 });
      });

      it('subtracts nothing when it refuses a take', async () => {
        const rule = { capacity: 10, refillPerSecond: SLOW };

        expect(await harness.rateLimiter.take(key('b'), rule, 7)).toMatchObject({
          allowed: true,
          remaining: 3,
        });
        expect(await harness.rateLimiter.take(key('b'), rule, 5)).toMatchObject({
          allowed: false,
          remaining: 3,
        });
        expect(await harness.rateLimiter.take(key('b'), rule, 5)).toMatchObject({
          allowed: false,
          remaining: 3,
        });
        expect(await harness.rateLimiter.take(key('b'), rule, 3)).toMatchObject({
          allowed: true,
          remaining: 0,
        });
        expect((await harness.rateLimiter.take(key('b'), rule, 1)).allowed).toBe(false);
      });

      it('says when the refused cost will be there, and allows it from then on', async () => {
        const rule = { capacity: 4, refillPerSecond: 2 };
        await harness.rateLimiter.take(key('b'), rule, 4);

        const refused = await harness.rateLimiter.take(key('b'), rule, 3);

        // 3 tokens at 2 per second: 1.5 s, less whatever real time already passed.
        expect(refused.allowed).toBe(false);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(1500);
        expect(refused.retryAfterMs).toBeGreaterThanOrEqual(1500 - harness.clockSlackMs);
        await harness.advance(refused.retryAfterMs);
        expect((await harness.rateLimiter.take(key('b'), rule, 3)).allowed).toBe(true);
      });

      it('waits for a cost of several tokens rather than one', async () => {
        const rule = { capacity: 100, refillPerSecond: 1 };
        await harness.rateLimiter.take(key('b'), rule, 100);

        const one = await harness.rateLimiter.take(key('b'), rule, 1);
        const fifty = await harness.rateLimiter.take(key('b'), rule, 50);

        expect(one.retryAfterMs).toBeGreaterThanOrEqual(1000 - harness.clockSlackMs);
        expect(one.retryAfterMs).toBeLessThanOrEqual(1000);
        expect(fifty.retryAfterMs).toBeGreaterThanOrEqual(50_000 - harness.clockSlackMs);
        expect(fifty.retryAfterMs).toBeLessThanOrEqual(50_000);
      });

      it('refills continuously but never past capacity', async () => {
        const rule = { capacity: 5, refillPerSecond: 100 };
        await harness.rateLimiter.take(key('b'), rule, 5);

        // Long enough for 20 tokens: the bucket holds 5.
        await harness.advance(200);

        expect(await harness.rateLimiter.take(key('b'), rule, 5)).toMatchObject({
          allowed: true,
          remaining: 0,
        });
      });

      it('refuses a cost above capacity with RETRY_NEVER and takes nothing', async () => {
        const rule = { capacity: 10, refillPerSecond: SLOW };

        expect(await harness.rateLimiter.take(key('b'), rule, 11)).toEqual({
          allowed: false,
          remaining: 10,
          retryAfterMs: RETRY_NEVER,
          limit: 10,
        });
        expect(await harness.rateLimiter.take(key('b'), rule, 10)).toMatchObject({
          allowed: true,
          remaining: 0,
        });
        expect((await harness.rateLimiter.take(key('b'), rule, 11)).retryAfterMs).toBe(RETRY_NEVER);
      });

      it('allows a take of cost 0 without changing the bucket', async () => {
        const rule = { capacity: 2, refillPerSecond: SLOW };

        expect(await harness.rateLimiter.take(key('b'), rule, 0)).toMatchObject({
          allowed: true,
          remaining: 2,
        });
        expect(await harness.rateLimiter.take(key('b'), rule, 2)).toMatchObject({
          allowed: true,
          remaining: 0,
        });
        expect(await harness.rateLimiter.take(key('b'), rule, 0)).toMatchObject({
          allowed: true,
          remaining: 0,
        });
      });

      it('keeps the buckets of different keys apart', async () => {
        const rule = { capacity: 3, refillPerSecond: SLOW };
        await harness.rateLimiter.take(key('a'), rule, 3);

        expect(await harness.rateLimiter.take(key('other'), rule, 1)).toMatchObject({
          allowed: true,
          remaining: 2,
        });
        expect((await harness.rateLimiter.take(key('a'), rule, 1)).allowed).toBe(false);
      });

      it('clamps a bucket to a lowered capacity', async () => {
        await harness.rateLimiter.take(key('b'), { capacity: 10, refillPerSecond: SLOW }, 1);

        const lowered = await harness.rateLimiter.take(key('b'), { capacity: 5, refillPerSecond: SLOW }, 1);

        expect(lowered).toEqual({ allowed: true, remaining: 4, retryAfterMs: 0, limit: 5 });
      });

      it('lets exactly capacity of many concurrent takes through', async () => {
        const rule = { capacity: 50, refillPerSecond: SLOW };

        const decisions = await Promise.all(
          Array.from({ length: 120 }, () => harness.rateLimiter.take(key('race'), rule)),
        );

        expect(decisions.filter((decision) => decision.allowed)).toHaveLength(50);
        expect(decisions.map((decision) => decision.remaining).sort((a, b) => a - b)[0]).toBe(0);
      });

      it('rejects rules and costs it cannot honour', async () => {
        const take = (capacity: number, refillPerSecond: number, cost?: number) =>
          harness.rateLimiter.take(key('b'), { capacity, refillPerSecond }, cost);

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

    describe('budget ledger', () => {
      it('holds a reservation as reserved and moves it to spent when settled', async () => {
        const budget = line('tenant', 1000);

        const reservation = await reserved(harness.ledger, [budget], 300);

        expect(reservation).toMatchObject({ amount: 300, lines: [budget] });
        expect(reservation.expiresAt).toBeGreaterThan(harness.now());
        expect(await harness.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 300 });
        expect(await harness.ledger.settle(reservation, 250)).toBe(true);
        expect(await harness.ledger.usage(budget.key)).toEqual({ spent: 250, reserved: 0 });
      });

      it('reports zero usage for a line never used', async () => {
        expect(await harness.ledger.usage(key('never'))).toEqual({ spent: 0, reserved: 0 });
      });

      it('names the inner line when it overflows first, and changes no line', async () => {
        const lines = [
          line('tenant', 10_000),
          line('principal', 5_000),
          line('agent', 2_000),
          line('run', 100, Number.POSITIVE_INFINITY),
        ];
        await harness.ledger.settle(await reserved(harness.ledger, lines, 60), 60);

        const refused = await harness.ledger.reserve(lines, 50);

        expect(refused).toEqual({
          ok: false,
          line: key('run'),
          limit: 100,
          used: 60,
          resetAt: Number.POSITIVE_INFINITY,
        });
        for (const each of lines)
          expect(await harness.ledger.usage(each.key)).toEqual({ spent: 60, reserved: 0 });
      });

      it('names the first line in the given order when several would overflow', async () => {
        const outer = line('outer', 50);
        const inner = line('inner', 40);

        expect(await harness.ledger.reserve([outer, inner], 60)).toMatchObject({
          ok: false,
          line: outer.key,
        });
        expect(await harness.ledger.reserve([inner, outer], 60)).toMatchObject({
          ok: false,
          line: inner.key,
        });
      });

      it('reserves on no line when only the last line is full', async () => {
        const roomy = line('roomy', 1_000_000);
        const tight = line('tight', 100);
        await reserved(harness.ledger, [tight], 100);

        expect(await harness.ledger.reserve([roomy, tight], 1)).toMatchObject({
          ok: false,
          line: tight.key,
          used: 100,
        });
        expect(await harness.ledger.usage(roomy.key)).toEqual({ spent: 0, reserved: 0 });
      });

      it('counts open reservations as used and lets a call fill the budget exactly', async () => {
        const budget = line('b', 100);
        await reserved(harness.ledger, [budget], 70);

        expect(await harness.ledger.reserve([budget], 31)).toMatchObject({ ok: false, limit: 100, used: 70 });
        expect((await harness.ledger.reserve([budget], 30)).ok).toBe(true);
        expect(await harness.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 100 });
      });

      it('frees the difference when a call settles below its reservation', async () => {
        const budget = line('b', 1000);
        const reservation = await reserved(harness.ledger, [budget], 400);

        await harness.ledger.settle(reservation, 100);

        expect(await harness.ledger.usage(budget.key)).toEqual({ spent: 100, reserved: 0 });
        expect((await harness.ledger.reserve([budget], 900)).ok).toBe(true);
        expect(await harness.ledger.reserve([budget], 1)).toMatchObject({ ok: false, used: 1000 });
      });

      it('records the whole actual when a call settles above its reservation', async () => {
        const budget = line('b', 1000);
        const reservation = await reserved(harness.ledger, [budget], 400);

        await harness.ledger.settle(reservation, 1100);

        expect(await harness.ledger.usage(budget.key)).toEqual({ spent: 1100, reserved: 0 });
        expect(await harness.ledger.reserve([budget], 1)).toMatchObject({ ok: false, used: 1100 });
      });

      it('records the spend of a call settled at 0 as nothing', async () => {
        const budget = line('b', 1000);

        await harness.ledger.settle(await reserved(harness.ledger, [budget], 400), 0);

        expect(await harness.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 0 });
      });

      it('counts a settle once however often it is repeated, on any replica', async () => {
        const lines = [line('tenant', 1000), line('run', 500)];
        const reservation = await reserved(harness.ledger, lines, 100);

        expect(await harness.ledger.settle(reservation, 80)).toBe(true);
        expect(await harness.ledger.settle(reservation, 80)).toBe(false);
        expect(await harness.replica.settle(reservation, 90)).toBe(false);
        expect(await harness.ledger.release(reservation)).toBe(false);

        for (const each of lines)
          expect(await harness.ledger.usage(each.key)).toEqual({ spent: 80, reserved: 0 });
      });

      it('frees a released reservation once and will not settle it afterwards', async () => {
        const lines = [line('tenant', 1000), line('run', 500)];
        const kept = await reserved(harness.ledger, lines, 50);
        const reservation = await reserved(harness.ledger, lines, 100);

        expect(await harness.ledger.release(reservation)).toBe(true);
        expect(await harness.replica.release(reservation)).toBe(false);
        expect(await harness.ledger.settle(reservation, 100)).toBe(false);

        for (const each of lines)
          expect(await harness.ledger.usage(each.key)).toEqual({ spent: 0, reserved: 50 });
        expect(await harness.ledger.settle(kept, 50)).toBe(true);
      });

      it('drops a reservation never settled once it expires, and still counts a late settle', async () => {
        // Long enough that the later reservation outlives the few calls below on a real clock.
        const ttl = 100 + 2 * harness.clockSlackMs;
        const short = await open({ reservationTtlMs: ttl });
        const budget = line('b', 1000);
        const abandoned = await reserved(short.ledger, [budget], 1000);
        expect((await short.ledger.reserve([budget], 1)).ok).toBe(false);

        await short.advance(ttl + 50);

        expect(await short.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 0 });
        const next = await reserved(short.ledger, [budget], 1000);
        expect(await short.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 1000 });
        expect(await short.ledger.release(abandoned)).toBe(false);
        // The call did happen: its spend counts even though its hold was dropped.
        expect(await short.ledger.settle(abandoned, 300)).toBe(true);
        expect(await short.ledger.settle(abandoned, 300)).toBe(false);
        expect(await short.ledger.usage(budget.key)).toEqual({ spent: 300, reserved: 1000 });
        expect(await short.ledger.release(next)).toBe(true);
      });

      it('frees only the expired reservation, not a later one on the same line', async () => {
        const ttl = 400 + 4 * harness.clockSlackMs;
        const short = await open({ reservationTtlMs: ttl });
        const budget = line('b', 1000);
        await reserved(short.ledger, [budget], 300);
        await short.advance(ttl / 2);
        await reserved(short.ledger, [budget], 200);

        await short.advance(ttl / 2 + 20);

        // The first hold is past its ttl; the second one, reserved ttl/2 later, has ttl/2 - 20 ms
        // (more than any clock slack) to go.
        expect(await short.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 200 });
      });

      it('forgets a line once its window and grace have passed', async () => {
        const grace = 100;
        const window = 100 + 2 * harness.clockSlackMs;
        const short = await open({ windowGraceMs: grace, reservationTtlMs: window });
        const budget = line('day', 1000, short.now() + window);
        await short.ledger.settle(await reserved(short.ledger, [budget], 1000), 1000);
        expect((await short.ledger.reserve([budget], 1)).ok).toBe(false);

        await short.advance(window + grace + 50);

        expect(await short.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 0 });
      });

      it('keeps a line whose window never ends', async () => {
        const short = await open({ windowGraceMs: 50, reservationTtlMs: 50 });
        const budget = line('total', 1000, Number.POSITIVE_INFINITY);
        await short.ledger.settle(await reserved(short.ledger, [budget], 700), 700);

        await short.advance(200);

        expect(await short.ledger.usage(budget.key)).toEqual({ spent: 700, reserved: 0 });
      });

      it('gives every reservation its own id', async () => {
        const budget = line('b', 1000);

        const ids = new Set<string>();
        for (let i = 0; i < 20; i += 1) ids.add((await reserved(harness.ledger, [budget], 1)).id);

        expect(ids.size).toBe(20);
      });

      it('rejects lines and amounts it cannot honour', async () => {
        const budget = line('b', 1000);
        const reservation = await reserved(harness.ledger, [budget], 10);

        for (const attempt of [
          harness.ledger.reserve([], 10),
          harness.ledger.reserve([budget], 0),
          harness.ledger.reserve([budget], 1.5),
          harness.ledger.reserve([budget], -1),
          harness.ledger.reserve([budget, { ...budget }], 10),
          harness.ledger.reserve([{ ...budget, limit: -1 }], 10),
          harness.ledger.reserve([{ ...budget, resetAt: Number.NaN }], 10),
          harness.ledger.reserve([{ ...budget, key: '' }], 10),
          harness.ledger.settle(reservation, -1),
          harness.ledger.settle(reservation, 0.5),
        ]) {
          await expect(attempt).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
        }
        expect(await harness.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 10 });
      });

      it('lets exactly 100 of 200 concurrent reservations of 10 fit a remaining budget of 1,000', async () => {
        const tenant = line('tenant', 1_000_000);
        const run = line('run', 1_500);
        await harness.ledger.settle(await reserved(harness.ledger, [tenant, run], 500), 500);
        const samples: Promise<number>[] = [];
        const sample = async () => {
          const usage = await harness.replica.usage(run.key);
          return usage.spent + usage.reserved;
        };

        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => {
            if (i % 4 === 0) samples.push(sample());
            return (i % 2 === 0 ? harness.ledger : harness.replica).reserve([tenant, run], 10);
          }),
        );

        const granted = results.filter((result) => result.ok);
        expect(granted).toHaveLength(100);
        // A refusal means the other 100 already held the rest: it saw the run line exactly full.
        for (const result of results.filter((each) => !each.ok)) {
          expect(result).toEqual({
            ok: false,
            line: run.key,
            limit: 1_500,
            used: 1_500,
            resetAt: run.resetAt,
          });
        }
        const sampled = await Promise.all(samples);
        expect(sampled).toHaveLength(50);
        for (const used of sampled) expect(used).toBeLessThanOrEqual(1_500);
        expect(await harness.ledger.usage(run.key)).toEqual({ spent: 500, reserved: 1_000 });
        expect(await harness.replica.usage(tenant.key)).toEqual({ spent: 500, reserved: 1_000 });

        const settled = await Promise.all(
          granted.map((result, i) =>
            result.ok
              ? (i % 2 === 0 ? harness.ledger : harness.replica).settle(result.reservation, 10)
              : false,
          ),
        );
        expect(settled.every(Boolean)).toBe(true);
        expect(await harness.ledger.usage(run.key)).toEqual({ spent: 1_500, reserved: 0 });
      });
    });
  });
}
