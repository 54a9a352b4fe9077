import { durationToMs, type ModelAliasSpec } from '../../contracts/index.ts';
import { AppError } from '../../core/index.ts';

export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

/** How a circuit trips and recovers; alias manifests set it as `circuit_breaker`. */
export interface BreakerConfig {
  /** Consecutive failures that open the circuit; an integer ≥ 1. */
  failureThreshold: number;
  /** How long the circuit stays open before it admits a half-open probe; ≥ 0. */
  cooldownMs: number;
}

export const DEFAULT_BREAKER_CONFIG: Readonly<BreakerConfig> = Object.freeze({
  failureThreshold: 5,
  cooldownMs: 30_000,
});

/** The breaker config an alias asks for; the defaults where it names none. */
export function breakerConfigOf(spec: Pick<ModelAliasSpec, 'circuit_breaker'>): BreakerConfig {
  const configured = spec.circuit_breaker;
  return {
    failureThreshold: configured?.failure_threshold ?? DEFAULT_BREAKER_CONFIG.failureThreshold,
    cooldownMs: configured ? durationToMs(configured.cooldown) : DEFAULT_BREAKER_CONFIG.cooldownMs,
  };
}

export interface CircuitBreakerOptions extends BreakerConfig {
  /** Milliseconds on a clock that does not jump back (e.g. `performance.now`); tests inject it. */
  now: () => number;
}

/** Throws an INTERNAL AppError for a config the alias schema would have refused. */
function assertBreakerConfig(config: BreakerConfig): void {
  if (!Number.isInteger(config.failureThreshold) || config.failureThreshold < 1)
    throw new AppError('INTERNAL', `failureThreshold must be an integer ≥ 1, got ${config.failureThreshold}`);
  if (!Number.isFinite(config.cooldownMs) || config.cooldownMs < 0)
    throw new AppError('INTERNAL', `cooldownMs must be a finite number ≥ 0, got ${config.cooldownMs}`);
}

/**
 * One backend's circuit breaker; in-memory, single-process, never awaited.
 *
 * - `closed` admits every call and counts consecutive failures; a success resets the count;
 *   reaching `failureThreshold` opens the circuit.
 * - `open` admits nothing until `cooldownMs` have passed since it opened; then it reads
 *   `half_open` (the transition is derived from the clock, no timer runs).
 * - `half_open` admits exactly one probe at a time: the probe's `success()` closes the circuit
 *   (failures reset), its `failure()` opens it for another full cooldown, its `release()` frees
 *   the slot for the next probe without changing state.
 *
 * Contract for callers: every admitted call (`tryAcquire()` returned true) ends with exactly one
 * of `success()`, `failure()` or `release()`; a probe that never ends keeps the circuit half-open
 * and refusing, so callers bound their calls with a timeout.
 *
 * Outcomes are attributed by the current state: while open, `success()` and `failure()` come
 * from calls admitted before the circuit opened and are ignored (the probe decides, and a late
 * failure does not extend the cooldown). While half-open, any success closes and any failure
 * reopens, since each is fresh evidence about the backend.
 */
export class CircuitBreaker {
  #config: BreakerConfig;
  readonly #now: () => number;
  #failures = 0;
  /** When the circuit last opened; null while closed. */
  #openedAt: number | null = null;
  #probeInFlight = false;
  #openings = 0;

  /** Throws an INTERNAL AppError if the config is out of range. */
  constructor(options: CircuitBreakerOptions) {
    const { now, ...config } = options;
    assertBreakerConfig(config);
    this.#config = config;
    this.#now = now;
  }

  /** The config in force. */
  get config(): BreakerConfig {
    return { ...this.#config };
  }

  /**
   * Replaces the config. A new threshold applies from the next failure (an already-open circuit
   * stays open); a new cooldown also applies to the current open period.
   * Throws an INTERNAL AppError if the config is out of range.
   */
  configure(config: BreakerConfig): void {
    assertBreakerConfig(config);
    this.#config = { failureThreshold: config.failureThreshold, cooldownMs: config.cooldownMs };
  }

  /** The state now; `open` turns into `half_open` once the cooldown has passed. */
  get state(): CircuitState {
    if (this.#openedAt === null) return 'closed';
    return this.#now() - this.#openedAt >= this.#config.cooldownMs ? 'half_open' : 'open';
  }

  /** Consecutive failures since the last success (kept while open, for status pages). */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /**
   * How many times the circuit has opened (including reopenings after a failed probe). A probe
   * holder compares it with the value at admission to tell whether its probe is still current.
   */
  get openings(): number {
    return this.#openings;
  }

  /** Whether `tryAcquire()` would admit a call now. Changes nothing. */
  available(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half_open' && !this.#probeInFlight);
  }

  /**
   * Admits a call if the circuit allows it: always while closed, never while open, and while
   * half-open only if no probe is in flight (the admitted call becomes the probe). Returns false
   * if refused; nothing is reserved then.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probeInFlight) return false;
    this.#probeInFlight = true;
    return true;
  }

  /** An admitted call succeeded: resets failures while closed, closes a half-open circuit. */
  success(): void {
    if (this.state === 'open') return;
    this.#failures = 0;
    this.#openedAt = null;
    this.#probeInFlight = false;
  }

  /** An admitted call failed: counts while closed (opening at the threshold), reopens a half-open circuit. */
  failure(): void {
    const state = this.state;
    if (state === 'open') return;
    this.#failures += 1;
    if (state === 'half_open' || this.#failures >= this.#config.failureThreshold) this.#open();
  }

  /**
   * An admitted call ended without telling anything about the backend (the caller aborted, a 4xx
   * that is the caller's fault): frees the half-open probe slot, changes nothing else. Only the
   * probe's own release may free the slot: a call admitted before the circuit opened must not
   * call it while half-open (`BackendHealth`'s attempts track that).
   */
  release(): void {
    if (this.state === 'half_open') this.#probeInFlight = false;
  }

  /**
   * Milliseconds until a call would be admitted: 0 when `available()`; the rest of the cooldown
   * while open; while a half-open probe is in flight, a full cooldown, what a failing probe
   * would cost (the probe's outcome decides, so it is an estimate).
   */
  retryAfterMs(): number {
    if (this.#openedAt === null) return 0;
    const remaining = this.#openedAt + this.#config.cooldownMs - this.#now();
    if (remaining > 0) return remaining;
    return this.#probeInFlight ? this.#config.cooldownMs : 0;
  }

  #open(): void {
    this.#openedAt = this.#now();
    this.#probeInFlight = false;
    this.#openings += 1;
  }
}
