import { describe, expect, it } from 'vitest';
import type { BudgetLedger, BudgetLine, Reservation } from './budget-ledger.ts';
import { type MakeLimitsHarness, useLimitsHarness } from './limits-harness.ts';

const DAY_MS = 86_400_000;

async function reserved(ledger: BudgetLedger, lines: BudgetLine[], amount: number): Promise<Reservation> {
  const result = await ledger.reserve(lines, amount);
  if (!result.ok) throw new Error(`expected ${amount} to fit, refused on ${result.line}`);
  return result.reservation;
}

/** The BudgetLedger half of the limits contract. */
export function describeBudgetLedgerContract(make: MakeLimitsHarness): void {
  describe('budget ledger', () => {
    const limits = useLimitsHarness(make);
    const { key, open } = limits;
    const line = (suffix: string, limit: number, resetAt = limits.harness.now() + DAY_MS): BudgetLine => ({
      key: key(suffix),
      limit,
      resetAt,
    });

    it('holds a reservation as reserved and moves it to spent when settled', async () => {
      const budget = line('tenant', 1000);

      const reservation = await reserved(limits.ledger, [budget], 300);

      expect(reservation).toMatchObject({ amount: 300, lines: [budget] });
      expect(reservation.expiresAt).toBeGreaterThan(limits.harness.now());
      expect(await limits.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 300 });
      expect(await limits.ledger.settle(reservation, 250)).toBe(true);
      expect(await limits.ledger.usage(budget.key)).toEqual({ spent: 250, reserved: 0 });
    });

    it('reports zero usage for a line never used', async () => {
      expect(await limits.ledger.usage(key('never'))).toEqual({ spent: 0, reserved: 0 });
    });

    it('names the inner line when it overflows first, and changes no line', async () => {
      const lines = [
        line('tenant', 10_000),
        line('principal', 5_000),
        line('agent', 2_000),
        line('run', 100, Number.POSITIVE_INFINITY),
      ];
      await limits.ledger.settle(await reserved(limits.ledger, lines, 60), 60);

      const refused = await limits.ledger.reserve(lines, 50);

      expect(refused).toEqual({
        ok: false,
        line: key('run'),
        limit: 100,
        used: 60,
        resetAt: Number.POSITIVE_INFINITY,
      });
      for (const each of lines)
        expect(await limits.ledger.usage(each.key)).toEqual({ spent: 60, reserved: 0 });
    });

    it('names the first line in the given order when several would overflow', async () => {
      const outer = line('outer', 50);
      const inner = line('inner', 40);

      expect(await limits.ledger.reserve([outer, inner], 60)).toMatchObject({
        ok: false,
        line: outer.key,
      });
      expect(await limits.ledger.reserve([inner, outer], 60)).toMatchObject({
        ok: false,
        line: inner.key,
      });
    });

    it('reserves on no line when only the last line is full', async () => {
      const roomy = line('roomy', 1_000_000);
      const tight = line('tight', 100);
      await reserved(limits.ledger, [tight], 100);

      expect(await limits.ledger.reserve([roomy, tight], 1)).toMatchObject({
        ok: false,
        line: tight.key,
        used: 100,
      });
      expect(await limits.ledger.usage(roomy.key)).toEqual({ spent: 0, reserved: 0 });
    });

    it('counts open reservations as used and lets a call fill the budget exactly', async () => {
      const budget = line('b', 100);
      await reserved(limits.ledger, [budget], 70);

      expect(await limits.ledger.reserve([budget], 31)).toMatchObject({
        ok: false,
        limit: 100,
        used: 70,
      });
      expect((await limits.ledger.reserve([budget], 30)).ok).toBe(true);
      expect(await limits.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 100 });
    });

    it('frees the difference when a call settles below its reservation', async () => {
      const budget = line('b', 1000);
      const reservation = await reserved(limits.ledger, [budget], 400);

      await limits.ledger.settle(reservation, 100);

      expect(await limits.ledger.usage(budget.key)).toEqual({ spent: 100, reserved: 0 });
      expect((await limits.ledger.reserve([budget], 900)).ok).toBe(true);
      expect(await limits.ledger.reserve([budget], 1)).toMatchObject({ ok: false, used: 1000 });
    });

    it('records the whole actual when a call settles above its reservation', async () => {
      const budget = line('b', 1000);
      const reservation = await reserved(limits.ledger, [budget], 400);

      await limits.ledger.settle(reservation, 1100);

      expect(await limits.ledger.usage(budget.key)).toEqual({ spent: 1100, reserved: 0 });
      expect(await limits.ledger.reserve([budget], 1)).toMatchObject({ ok: false, used: 1100 });
    });

    it('records the spend of a call settled at 0 as nothing', async () => {
      const budget = line('b', 1000);

      await limits.ledger.settle(await reserved(limits.ledger, [budget], 400), 0);

      expect(await limits.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 0 });
    });

    it('counts a settle once however often it is repeated, on any replica', async () => {
      const lines = [line('tenant', 1000), line('run', 500)];
      const reservation = await reserved(limits.ledger, lines, 100);

      expect(await limits.ledger.settle(reservation, 80)).toBe(true);
      expect(await limits.ledger.settle(reservation, 80)).toBe(false);
      expect(await limits.replica.settle(reservation, 90)).toBe(false);
      expect(await limits.ledger.release(reservation)).toBe(false);

      for (const each of lines)
        expect(await limits.ledger.usage(each.key)).toEqual({ spent: 80, reserved: 0 });
    });

    it('frees a released reservation once and will not settle it afterwards', async () => {
      const lines = [line('tenant', 1000), line('run', 500)];
      const kept = await reserved(limits.ledger, lines, 50);
      const reservation = await reserved(limits.ledger, lines, 100);

      expect(await limits.ledger.release(reservation)).toBe(true);
      expect(await limits.replica.release(reservation)).toBe(false);
      expect(await limits.ledger.settle(reservation, 100)).toBe(false);

      for (const each of lines)
        expect(await limits.ledger.usage(each.key)).toEqual({ spent: 0, reserved: 50 });
      expect(await limits.ledger.settle(kept, 50)).toBe(true);
    });

    it('drops a reservation never settled once it expires, and still counts a late settle', async () => {
      // Long enough that the later reservation outlives the few calls below on a real clock.
      const ttl = 100 + 2 * limits.harness.clockSlackMs;
      const short = await open({ reservationTtlMs: ttl });
      const budget = line('b', 1000);
      const abandoned = await reserved(short.ledger, [budget], 1000);
      expect((await short.ledger.reserve([budget], 1)).ok).toBe(false);

      await short.advance(ttl + 50);

      // Reserve first: it must drop the expired hold itself, without a usage() call doing it.
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
      const ttl = 400 + 4 * limits.harness.clockSlackMs;
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
      const window = 100 + 2 * limits.harness.clockSlackMs;
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
      for (let i = 0; i < 20; i += 1) ids.add((await reserved(limits.ledger, [budget], 1)).id);

      expect(ids.size).toBe(20);
    });

    it('rejects lines and amounts it cannot honour', async () => {
      const budget = line('b', 1000);
      const reservation = await reserved(limits.ledger, [budget], 10);

      for (const attempt of [
        limits.ledger.reserve([], 10),
        limits.ledger.reserve([budget], 0),
        limits.ledger.reserve([budget], 1.5),
        limits.ledger.reserve([budget], -1),
        limits.ledger.reserve([budget, { ...budget }], 10),
        limits.ledger.reserve([{ ...budget, limit: -1 }], 10),
        limits.ledger.reserve([{ ...budget, resetAt: Number.NaN }], 10),
        limits.ledger.reserve([{ ...budget, key: '' }], 10),
        limits.ledger.settle(reservation, -1),
        limits.ledger.settle(reservation, 0.5),
      ]) {
        await expect(attempt).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
      }
      expect(await limits.ledger.usage(budget.key)).toEqual({ spent: 0, reserved: 10 });
    });

    it('lets exactly 100 of 200 concurrent reservations of 10 fit a remaining budget of 1,000', async () => {
      const tenant = line('tenant', 1_000_000);
      const run = line('run', 1_500);
      await limits.ledger.settle(await reserved(limits.ledger, [tenant, run], 500), 500);
      const samples: Promise<number>[] = [];
      const sample = async () => {
        const usage = await limits.replica.usage(run.key);
        return usage.spent + usage.reserved;
      };

      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          if (i % 4 === 0) samples.push(sample());
          return (i % 2 === 0 ? limits.ledger : limits.replica).reserve([tenant, run], 10);
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
      expect(await limits.ledger.usage(run.key)).toEqual({ spent: 500, reserved: 1_000 });
      expect(await limits.replica.usage(tenant.key)).toEqual({ spent: 500, reserved: 1_000 });

      const settled = await Promise.all(
        granted.map((result, i) =>
          result.ok ? (i % 2 === 0 ? limits.ledger : limits.replica).settle(result.reservation, 10) : false,
        ),
      );
      expect(settled.every(Boolean)).toBe(true);
      expect(await limits.ledger.usage(run.key)).toEqual({ spent: 1_500, reserved: 0 });
    });
  });
}
