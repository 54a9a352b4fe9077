export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

export interface CircuitBreakerOptions {
  /** Milliseconds since an arbitrary epoch; injected so tests control the cool-down. */
  now: () => number;
  /** Consecutive failures that open the circuit; default 5. */
  threshold?: number;
  /** How long the circuit stays open before one probe may go through; default 10 s. */
  cooldownMs?: number;
}

/**
 * Permission to send one attempt. Settle it exactly once: `success` (the backend answered),
 * `failure` (it did not, or answered with a server fault) or `release` (no verdict, e.g. the
 * caller aborted). Later settlements are ignored.
 */
export interface CircuitPermit {
  success(): void;
  failure(): void;
  release(): void;
}

export const DEFAULT_BREAKER_THRESHOLD = 5;
export const DEFAULT_BREAKER_COOLDOWN_MS = 10_000;

/**
 * A circuit breaker for one backend. Closed: every attempt goes through and `threshold`
 * consecutive failures open it. Open: `acquire` returns null until `cooldownMs` has passed.
 * Half-open: exactly one probe goes through; its success closes the circuit, its failure opens it
 * for another cool-down, and a probe released without a verdict lets the next caller probe.
 * A success from any attempt closes the circuit: the backend evidently answers.
 */
export class CircuitBreaker {
  readonly #now: () => number;
  readonly #threshold: number;
  readonly #cooldownMs: number;
  #state: CircuitState = 'closed';
  #consecutiveFailures = 0;
  #openedAt = 0;
  #probeInFlight = false;

  constructor(options: CircuitBreakerOptions) {
    this.#now = options.now;
    this.#threshold = Math.max(1, options.threshold ?? DEFAULT_BREAKER_THRESHOLD);
    this.#cooldownMs = Math.max(0, options.cooldownMs ?? DEFAULT_BREAKER_COOLDOWN_MS);
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#cooldownMs) {
      this.#state = 'half_open';
      this.#probeInFlight = false;
    }
    return this.#state;
  }

  /** Milliseconds until an open circuit lets a probe through; 0 unless open. */
  get retryInMs(): number {
    return this.state === 'open' ? Math.max(0, this.#openedAt + this.#cooldownMs - this.#now()) : 0;
  }

  /** Returns a permit for one attempt, or null when the attempt must fail fast. */
  acquire(): CircuitPermit | null {
    const state = this.state;
    if (state === 'open') return null;
    if (state === 'half_open') {
      if (this.#probeInFlight) return null;
      this.#probeInFlight = true;
      return this.#permit(true);
    }
    return this.#permit(false);
  }

  #permit(isProbe: boolean): CircuitPermit {
    let settled = false;
    const settle = (verdict: () => void) => () => {
      if (settled) return;
      settled = true;
      verdict();
    };
    return {
      success: settle(() => this.#onSuccess()),
      failure: settle(() => this.#onFailure(isProbe)),
      release: settle(() => {
        if (isProbe && this.#state === 'half_open') this.#probeInFlight = false;
      }),
    };
  }

  #onSuccess(): void {
    this.#state = 'closed';
    this.#consecutiveFailures = 0;
    this.#probeInFlight = false;
  }

  #onFailure(isProbe: boolean): void {
    if (isProbe && this.#state === 'half_open') {
      this.#open();
      return;
    }
    // A straggler that was sent while the circuit was closed adds nothing once it has opened.
    if (this.#state !== 'closed') return;
    this.#consecutiveFailures += 1;
    if (this.#consecutiveFailures >= this.#threshold) this.#open();
  }

  #open(): void {
    this.#state = 'open';
    this.#openedAt = this.#now();
    this.#probeInFlight = false;
    this.#consecutiveFailures = 0;
  }
}
