import { invalid } from '../../core/index.ts';

/** A token bucket: `capacity` tokens at most, refilled continuously at `refillPerSecond`. */
export interface RateRule {
  /** The most tokens the bucket holds (the burst); positive and finite. */
  capacity: number;
  /** Tokens added per second, continuously; positive and finite. */
  refillPerSecond: number;
}

/**
 * `retryAfterMs` of a take that can never succeed under its rule: its cost is more than the
 * bucket's capacity. Callers must test for it before turning `retryAfterMs` into a Retry-After.
 */
export const RETRY_NEVER = -1;

export interface RateDecision {
  allowed: boolean;
  /** Whole tokens left after this take (rounded down); a refused take leaves them unchanged. */
  remaining: number;
  /**
   * 0 when allowed; otherwise the milliseconds (rounded up) until `cost` tokens will be there if
   * nothing else takes any, or `RETRY_NEVER` if cost > capacity.
   */
  retryAfterMs: number;
  /** The rule's capacity, for `RateLimit-Limit`-style headers. */
  limit: number;
}

/**
 * Token-bucket rate limits keyed by caller-chosen strings (`tenant:T`, `principal:P`). A bucket
 * starts full and refills continuously; a take of `cost` succeeds only if that many tokens are
 * there, and then subtracts them. A refused take subtracts nothing, so a client that retries too
 * early does not push its own retry further out. Takes on one key are atomic across every process
 * sharing the adapter's store.
 *
 * The rule travels with each call rather than being registered, so a changed policy applies on
 * the next take; a bucket holding more than a lowered capacity is clamped to it.
 *
 * Throws `INVALID_REQUEST` for a capacity or refill rate that is not positive and finite, or a
 * cost that is negative or not finite. A cost of 0 always succeeds and changes nothing (a peek).
 */
export interface RateLimiter {
  take(key: string, rule: RateRule, cost?: number, signal?: AbortSignal): Promise<RateDecision>;
  close(): Promise<void>;
}

/** Rounding slack so that accumulated floating-point error never refuses a take it should allow. */
export const TOKEN_EPSILON = 1e-9;

export function assertValidTake(rule: RateRule, cost: number): void {
  if (!(rule.capacity > 0 && Number.isFinite(rule.capacity))) {
    throw invalid(`rate limit capacity must be positive and finite, got ${rule.capacity}`);
  }
  if (!(rule.refillPerSecond > 0 && Number.isFinite(rule.refillPerSecond))) {
    throw invalid(`rate limit refillPerSecond must be positive and finite, got ${rule.refillPerSecond}`);
  }
  if (!(cost >= 0 && Number.isFinite(cost))) {
    throw invalid(`rate limit cost must be non-negative and finite, got ${cost}`);
  }
}
