import {
  assertValidTake,
  type RateDecision,
  type RateLimiter,
  type RateRule,
  RETRY_NEVER,
  TOKEN_EPSILON,
} from './rate-limiter.ts';

export interface MemoryRateLimiterOptions {
  /** Epoch milliseconds; a number rather than core's `Clock` so the hot path allocates no Date. */
  now?: () => number;
  /**
   * When more buckets than this exist, the next new bucket first sweeps out the ones that have
   * refilled to full (dropping a full bucket changes nothing: a missing bucket is a full one).
   * The threshold then doubles past what survived, so sweeps cost O(1) per take amortised even
   * when every bucket is busy. Default 10,000.
   */
  sweepThreshold?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  /** When the bucket will be full again if nothing takes from it. */
  fullAt: number;
}

/** Rate limits in this process: for the single-process setup, where nothing else shares them. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  readonly #baseThreshold: number;
  #sweepAt: number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#baseThreshold = options.sweepThreshold ?? 10_000;
    this.#sweepAt = this.#baseThreshold;
  }

  /** How many buckets are held (full buckets may linger until the next sweep). */
  get size(): number {
    return this.#buckets.size;
  }

  async take(key: string, rule: RateRule, cost = 1, signal?: AbortSignal): Promise<RateDecision> {
    signal?.throwIfAborted();
    assertValidTake(rule, cost);
    const { capacity, refillPerSecond } = rule;
    const now = this.#now();
    const bucket = this.#buckets.get(key);
    let tokens = capacity;
    let updatedAt = now;
    if (bucket !== undefined) {
      updatedAt = bucket.updatedAt;
      tokens = bucket.tokens;
      // A clock that stepped back refills nothing rather than counting the same span twice.
      if (now > updatedAt) {
        tokens += ((now - updatedAt) * refillPerSecond) / 1000;
        updatedAt = now;
      }
      if (tokens > capacity) tokens = capacity;
    }
    if (cost > capacity) return decision(false, tokens, RETRY_NEVER, capacity);
    if (tokens + TOKEN_EPSILON < cost) {
      // Measured against the same epsilon the check allows, so a take at exactly retryAfterMs succeeds.
      const missing = cost - tokens - TOKEN_EPSILON;
      return decision(false, tokens, Math.ceil((missing * 1000) / refillPerSecond), capacity);
    }
    if (cost === 0) return decision(true, tokens, 0, capacity);
    tokens = Math.max(0, tokens - cost);
    const fullAt = updatedAt + ((capacity - tokens) * 1000) / refillPerSecond;
    if (bucket !== undefined) {
      bucket.tokens = tokens;
      bucket.updatedAt = updatedAt;
      bucket.fullAt = fullAt;
    } else {
      if (this.#buckets.size >= this.#sweepAt) this.#sweep(now);
      this.#buckets.set(key, { tokens, updatedAt, fullAt });
    }
    return decision(true, tokens, 0, capacity);
  }

  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.fullAt <= now) this.#buckets.delete(key);
    }
    this.#sweepAt = Math.max(this.#baseThreshold, this.#buckets.size * 2);
  }

  async close(): Promise<void> {
    this.#buckets.clear();
  }
}

function decision(allowed: boolean, tokens: number, retryAfterMs: number, limit: number): RateDecision {
  return { allowed, remaining: Math.floor(tokens + TOKEN_EPSILON), retryAfterMs, limit };
}
