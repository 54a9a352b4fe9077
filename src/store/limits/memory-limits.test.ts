import { describe, expect, it } from 'vitest';
import { describeLimitsContract } from './limits.contract.ts';
import { MemoryBudgetLedger } from './memory-budget-ledger.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';

const START = Date.UTC(2026, 10, 25, 9);

function manualClock() {
  let current = START;
  return {
    now: () => current,
    advance: (ms: number) => {
      current += ms;
    },
    set: (at: number) => {
      current = at;
    },
  };
}

describeLimitsContract('memory', async (options) => {
  const clock = manualClock();
  const ledger = new MemoryBudgetLedger({ now: clock.now, ...options });
  const rateLimiter = new MemoryRateLimiter({ now: clock.now });
  return {
    rateLimiter,
    ledger,
    replica: ledger,
    now: clock.now,
    advance: async (ms) => clock.advance(ms),
    clockSlackMs: 0,
    close: async () => {
      await Promise.all([rateLimiter.close(), ledger.close()]);
    },
  };
});

describe('MemoryRateLimiter', () => {
  it('refills fractions of a token continuously', async () => {
    const clock = manualClock();
    const limiter = new MemoryRateLimiter({ now: clock.now });
    const rule = { capacity: 10, refillPerSecond: 10 };
    await limiter.take('k', rule, 10);

    clock.advance(250);

    // 2.5 tokens: 2 can be taken, and the half left needs 50 ms more to make one.
    expect(await limiter.take('k', rule, 2)).toEqual({
      allowed: true,
      remaining: 0,
      retryAfterMs: 0,
      limit: 10,
    });
    expect(await limiter.take('k', rule, 1)).toMatchObject({ allowed: false, retryAfterMs: 50 });
    clock.advance(49);
    expect(await limiter.take('k', rule, 1)).toMatchObject({ allowed: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(await limiter.take('k', rule, 1)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('says the exact first millisecond a take will succeed, at fractional rates', async () => {
    const clock = manualClock();
    const limiter = new MemoryRateLimiter({ now: clock.now });
    const rule = { capacity: 3, refillPerSecond: 0.3 };
    await limiter.take('k', rule, 3);

    for (let i = 0; i < 30; i += 1) {
      const refused = await limiter.take('k', rule, 1);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(3000);
      clock.advance(refused.retryAfterMs - 1);
      expect((await limiter.take('k', rule, 1)).allowed).toBe(false);
      clock.advance(1);
      expect((await limiter.take('k', rule, 1)).allowed).toBe(true);
    }
  });

  it('refills nothing while the clock steps back, and does not count that span twice', async () => {
    const clock = manualClock();
    const limiter = new MemoryRateLimiter({ now: clock.now });
    const rule = { capacity: 10, refillPerSecond: 1 };
    await limiter.take('k', rule, 10);

    clock.advance(-5000);
    expect((await limiter.take('k', rule, 1)).allowed).toBe(false);
    clock.advance(5000);
    expect((await limiter.take('k', rule, 1)).allowed).toBe(false);
    clock.advance(1000);
    expect(await limiter.take('k', rule, 1)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('sweeps out buckets that have refilled, and only those, once past the threshold', async () => {
    const clock = manualClock();
    const limiter = new MemoryRateLimiter({ now: clock.now, sweepThreshold: 4 });
    const quick = { capacity: 1, refillPerSecond: 1 };
    const slow = { capacity: 1, refillPerSecond: 0.001 };
    await limiter.take('quick-1', quick);
    await limiter.take('quick-2', quick);
    await limiter.take('slow-1', slow);
    await limiter.take('slow-2', slow);
    expect(limiter.size).toBe(4);

    clock.advance(1000);
    await limiter.take('new', quick);

    expect(limiter.size).toBe(3);
    // The swept buckets were full: taking from them again behaves as before the sweep.
    expect(await limiter.take('quick-1', quick)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.take('slow-1', slow)).allowed).toBe(false);
  });

  it('keeps every busy bucket and sweeps again only after the map has doubled', async () => {
    const clock = manualClock();
    const limiter = new MemoryRateLimiter({ now: clock.now, sweepThreshold: 2 });
    const slow = { capacity: 1, refillPerSecond: 0.001 };

    for (let i = 0; i < 100; i += 1) await limiter.take(`busy-${i}`, slow);

    expect(limiter.size).toBe(100);
    for (let i = 0; i < 100; i += 1) expect((await limiter.take(`busy-${i}`, slow)).allowed).toBe(false);
  });
});

describe('MemoryBudgetLedger', () => {
  it('keeps only open reservations and live lines in memory', async () => {
    const clock = manualClock();
    const ledger = new MemoryBudgetLedger({
      now: clock.now,
      reservationTtlMs: 1000,
      windowGraceMs: 0,
      sweepThreshold: 2,
    });
    const lines = [
      { key: 'day-1', limit: 100, resetAt: START + 500 },
      { key: 'day-1-run', limit: 100, resetAt: START + 500 },
    ];
    const first = await ledger.reserve(lines, 10);
    if (!first.ok) throw new Error('expected the reservation to fit');
    await ledger.settle(first.reservation, 10);
    // A finished reservation leaves nothing behind; an open one stays until it expires.
    expect(ledger.size).toEqual({ lines: 2, reservations: 0 });
    await ledger.reserve(lines, 10);
    expect(ledger.size).toEqual({ lines: 2, reservations: 1 });

    clock.advance(1000);
    await ledger.reserve([{ key: 'day-2', limit: 100, resetAt: START + 5000 }], 10);

    expect(ledger.size).toEqual({ lines: 1, reservations: 1 });
  });

  it('holds nothing for a window already past its grace', async () => {
    const clock = manualClock();
    const ledger = new MemoryBudgetLedger({ now: clock.now, windowGraceMs: 0 });
    const stale = { key: 'yesterday', limit: 100, resetAt: START - 1 };

    expect((await ledger.reserve([stale], 100)).ok).toBe(true);
    expect(await ledger.usage(stale.key)).toEqual({ spent: 0, reserved: 0 });
  });
});
