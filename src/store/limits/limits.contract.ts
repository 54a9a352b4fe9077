import { describe } from 'vitest';
import { describeBudgetLedgerContract } from './budget-ledger.contract.ts';
import type { MakeLimitsHarness } from './limits-harness.ts';
import { describeRateLimiterContract } from './rate-limiter.contract.ts';

export type { LimitsHarness, LimitsHarnessOptions } from './limits-harness.ts';

/**
 * The conformance suite every RateLimiter and BudgetLedger pair must pass: memory and Redis. Each
 * test gets a fresh harness and its own key prefix, so tests never see each other's buckets or
 * budgets.
 */
export function describeLimitsContract(name: string, make: MakeLimitsHarness): void {
  describe(`limits contract: ${name}`, () => {
    describeRateLimiterContract(make);
    describeBudgetLedgerContract(make);
  });
}
