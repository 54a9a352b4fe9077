import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import type { BudgetLedger } from './budget-ledger.ts';
import type { RateLimiter } from './rate-limiter.ts';

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

export type MakeLimitsHarness = (options: LimitsHarnessOptions) => Promise<LimitsHarness>;

const DEFAULTS: LimitsHarnessOptions = { reservationTtlMs: 60_000, windowGraceMs: 60_000 };

/** What a contract test works with: the current test's harness and its adapters. */
export interface LimitsTestContext {
  readonly harness: LimitsHarness;
  readonly rateLimiter: RateLimiter;
  readonly ledger: BudgetLedger;
  readonly replica: BudgetLedger;
  /** Another harness with other options, closed after the test. */
  open(options: Partial<LimitsHarnessOptions>): Promise<LimitsHarness>;
  /** A key no other test uses. */
  key(suffix: string): string;
}

/** Registers hooks giving every test a fresh harness and key prefix, and closing what it opened. */
export function useLimitsHarness(make: MakeLimitsHarness): LimitsTestContext {
  let opened: LimitsHarness[] = [];
  let prefix = '';
  let current: LimitsHarness | undefined;
  const harness = (): LimitsHarness => {
    if (current === undefined) throw new Error('the limits harness is only there inside a test');
    return current;
  };
  const open = async (options: Partial<LimitsHarnessOptions>): Promise<LimitsHarness> => {
    const extra = await make({ ...DEFAULTS, ...options });
    opened.push(extra);
    return extra;
  };

  beforeEach(async () => {
    opened = [];
    prefix = `contract-${randomBytes(6).toString('hex')}`;
    current = await open({});
  });

  afterEach(async () => {
    current = undefined;
    await Promise.all(opened.map((each) => each.close()));
  });

  return {
    get harness() {
      return harness();
    },
    get rateLimiter() {
      return harness().rateLimiter;
    },
    get ledger() {
      return harness().ledger;
    },
    get replica() {
      return harness().replica;
    },
    open,
    key: (suffix) => `${prefix}:${suffix}`,
  };
}
