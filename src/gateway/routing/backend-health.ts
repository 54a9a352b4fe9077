import { AppError } from '../../core/index.ts';
import {
  type BreakerConfig,
  CircuitBreaker,
  type CircuitState,
  DEFAULT_BREAKER_CONFIG,
} from './circuit-breaker.ts';

export interface BackendHealthOptions {
  /** Milliseconds on a clock that does not jump back; the breakers use it too. */
  now: () => number;
  /** Weight of the newest latency sample in the EWMA, in (0, 1]; default 0.3. */
  ewmaAlpha?: number;
  /** Past this many tracked backends, idle ones are forgotten; default 10,000. */
  maxBackends?: number;
  /** How long untouched a backend must be to be forgotten; default one hour. */
  idleForgetMs?: number;
}

/**
 * One admitted call to a backend. End it with exactly one of the three; only the first call
 * counts, later ones are ignored, so `finally { attempt.released() }` after an outcome is safe.
 * Each first ending decrements the backend's in-flight count once.
 */
export interface Attempt {
  /** The call worked: feeds the latency EWMA and closes / keeps closed the circuit. */
  succeeded(latencyMs: number): void;
  /**
   * The call failed in a way that counts against the backend (5xx, 429, connect error, timeout).
   * Pass the latency when it says something about the backend (a timeout), leave it out when it
   * would flatter it (a refused connection fails fast).
   */
  failed(latencyMs?: number): void;
  /** The call ended saying nothing about the backend (caller abort, caller's 4xx): frees a probe slot. */
  released(): void;
}

/** One backend's live stats, for a status endpoint; `ewmaMs` is null before the first sample. */
export interface BackendHealthRecord {
  /** The backend's key (`GatewayBackend.key`). */
  backend: string;
  state: CircuitState;
  ewmaMs: number | null;
  inFlight: number;
  consecutiveFailures: number;
}

interface Entry {
  breaker: CircuitBreaker;
  ewmaMs: number | undefined;
  inFlight: number;
  touchedAt: number;
}

/**
 * Live stats per backend, keyed by `GatewayBackend.key` (unique across tenants, so one instance
 * serves every tenant), in memory for this process: a circuit breaker, an EWMA of latency
 * and an in-flight count. Nothing here is durable; a restart starts every circuit closed.
 * Backends are created on first use; when more than `maxBackends` are tracked, those untouched
 * for `idleForgetMs` and with nothing in flight are forgotten. Read-only getters never create or
 * touch entries, and answer for an unknown backend as for a fresh one.
 */
export class BackendHealth {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #alpha: number;
  readonly #maxBackends: number;
  readonly #idleForgetMs: number;

  /** Throws an INTERNAL AppError if `ewmaAlpha` is outside (0, 1]. */
  constructor(options: BackendHealthOptions) {
    this.#now = options.now;
    this.#alpha = options.ewmaAlpha ?? 0.3;
    if (!(this.#alpha > 0 && this.#alpha <= 1))
      throw new AppError('INTERNAL', `ewmaAlpha must be in (0, 1], got ${this.#alpha}`);
    this.#maxBackends = options.maxBackends ?? 10_000;
    this.#idleForgetMs = options.idleForgetMs ?? 3_600_000;
  }

  /**
   * The backend's breaker, created on first use. Fields left out of `config` take the defaults
   * (5 failures, 30 s); a config that differs from the breaker's replaces it, so when several
   * aliases share a backend, the last caller's config is in force. Without `config`, an existing
   * breaker keeps its own. Throws an INTERNAL AppError for an out-of-range config.
   */
  breakerFor(key: string, config?: Partial<BreakerConfig>): CircuitBreaker {
    return this.#touch(key, config).breaker;
  }

  /**
   * Admits a call to the backend if its breaker does (see `CircuitBreaker.tryAcquire`), counting
   * it in flight. Returns null if the breaker refuses; nothing is counted then.
   */
  begin(key: string, config?: Partial<BreakerConfig>): Attempt | null {
    const entry = this.#touch(key, config);
    const { breaker } = entry;
    // A call admitted while half-open is the probe; only the probe of the current opening may
    // free the probe slot, or a straggler's release would let a second probe in.
    const probe = breaker.state === 'half_open';
    const openings = breaker.openings;
    if (!breaker.tryAcquire()) return null;
    entry.inFlight += 1;
    let ended = false;
    const end = (): boolean => {
      if (ended) return false;
      ended = true;
      entry.inFlight -= 1;
      entry.touchedAt = this.#now();
      return true;
    };
    return {
      succeeded: (latencyMs) => {
        if (!end()) return;
        this.#sample(entry, latencyMs);
        breaker.success();
      },
      failed: (latencyMs) => {
        if (!end()) return;
        if (latencyMs !== undefined) this.#sample(entry, latencyMs);
        breaker.failure();
      },
      released: () => {
        if (!end()) return;
        if (probe && breaker.openings === openings) breaker.release();
      },
    };
  }

  /** Whether the backend's breaker would admit a call now; true for an unknown backend. */
  available(key: string): boolean {
    return this.#entries.get(key)?.breaker.available() ?? true;
  }

  /** Milliseconds until the backend's breaker would admit a call; 0 for an unknown backend. */
  retryAfterMs(key: string): number {
    return this.#entries.get(key)?.breaker.retryAfterMs() ?? 0;
  }

  /** The latency EWMA in milliseconds; undefined before the first sample. */
  ewmaMs(key: string): number | undefined {
    return this.#entries.get(key)?.ewmaMs;
  }

  /** Calls admitted and not yet ended. */
  inFlight(key: string): number {
    return this.#entries.get(key)?.inFlight ?? 0;
  }

  /** Every tracked backend's stats, ordered by key. */
  snapshot(): BackendHealthRecord[] {
    return [...this.#entries]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([backend, entry]) => ({
        backend,
        state: entry.breaker.state,
        ewmaMs: entry.ewmaMs ?? null,
        inFlight: entry.inFlight,
        consecutiveFailures: entry.breaker.consecutiveFailures,
      }));
  }

  #touch(key: string, config: Partial<BreakerConfig> | undefined): Entry {
    const wanted: BreakerConfig = {
      failureThreshold: config?.failureThreshold ?? DEFAULT_BREAKER_CONFIG.failureThreshold,
      cooldownMs: config?.cooldownMs ?? DEFAULT_BREAKER_CONFIG.cooldownMs,
    };
    const now = this.#now();
    let entry = this.#entries.get(key);
    if (entry && config) {
      const current = entry.breaker.config;
      if (current.failureThreshold !== wanted.failureThreshold || current.cooldownMs !== wanted.cooldownMs)
        entry.breaker.configure(wanted);
    } else if (!entry) {
      entry = {
        breaker: new CircuitBreaker({ ...wanted, now: this.#now }),
        ewmaMs: undefined,
        inFlight: 0,
        touchedAt: now,
      };
      this.#entries.set(key, entry);
      if (this.#entries.size > this.#maxBackends) this.#sweep(now);
    }
    entry.touchedAt = now;
    return entry;
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries)
      if (entry.inFlight === 0 && now - entry.touchedAt >= this.#idleForgetMs) this.#entries.delete(key);
  }

  #sample(entry: Entry, latencyMs: number): void {
    // A clock that stalls or a caller's bug must not poison the average.
    if (!Number.isFinite(latencyMs)) return;
    const sample = Math.max(0, latencyMs);
    entry.ewmaMs =
      entry.ewmaMs === undefined ? sample : this.#alpha * sample + (1 - this.#alpha) * entry.ewmaMs;
  }
}
