import { LRUCache } from 'lru-cache';
import { parseJson } from '../../contracts/index.ts';
import { withDeadline } from './deadline.ts';
import { isStorable, StoredEntrySchema } from './stored-completion.ts';

/**
 * The shared cache the response cache needs: the subset of the store's `Cache` port it calls, so
 * `RedisCache` and `MemoryCache` fit as they are. Any entry may vanish at any time.
 */
export interface SharedCache {
  get(key: string, signal?: AbortSignal): Promise<string | null>;
  set(key: string, value: string, ttlMs?: number, signal?: AbortSignal): Promise<void>;
  delete(key: string, signal?: AbortSignal): Promise<boolean>;
}

/** Where in L2 a failure happened; `decode` is a value there that is not a readable entry. */
export const SHARED_OPERATIONS = ['get', 'set', 'delete', 'decode'] as const;
export type SharedOperation = (typeof SHARED_OPERATIONS)[number];

export interface ResponseCacheOptions {
  /** L1 holds at most this many completions. */
  maxEntries: number;
  /** L1 holds at most this many bytes of completion JSON (UTF-8); a larger completion skips L1. */
  maxBytes: number;
  /** L2, shared by every replica (Redis in the team setup); null or absent: L1 only. */
  shared?: SharedCache | null;
  /** An L2 call slower than this counts as failed, so a sick Redis costs latency once, bounded. */
  sharedTimeoutMs?: number;
  /** Told of every L2 failure, which is otherwise a miss (get) or skipped write (set). Must not throw. */
  onError?: (error: unknown, context: { operation: SharedOperation; key: string }) => void;
  /** Epoch milliseconds; expiry of both levels follows it. */
  now?: () => number;
}

export interface ResponseCacheHit {
  level: 'l1' | 'l2';
  /** A fresh copy: callers may change it. */
  completion: Record<string, unknown>;
}

export interface ResponseCacheStats {
  l1Hits: number;
  l2Hits: number;
  misses: number;
  writes: number;
}

/** Prefix of every L2 key, so response entries never meet other users of the shared cache. */
export const SHARED_KEY_PREFIX = 'gw:resp:';
const DEFAULT_SHARED_TIMEOUT_MS = 250;

/**
 * Exact-match cache of chat completions in two levels: L1 in this process (LRU, bounded by entries
 * and by bytes, per-entry TTL) and an optional L2 shared by replicas. An L2 hit is copied into L1
 * for the rest of its TTL. The cache never fails a request: L2 errors and timeouts are misses (get)
 * or skipped writes (set), reported to `onError`; an unreadable L2 value is a miss and is deleted.
 * The only rejection is the caller's own abort, with the signal's reason.
 */
export class ResponseCache {
  readonly #local: LRUCache<string, string>;
  readonly #shared: SharedCache | null;
  readonly #sharedTimeoutMs: number;
  readonly #onError: NonNullable<ResponseCacheOptions['onError']>;
  readonly #now: () => number;
  readonly #stats: ResponseCacheStats = { l1Hits: 0, l2Hits: 0, misses: 0, writes: 0 };

  constructor(options: ResponseCacheOptions) {
    this.#now = options.now ?? Date.now;
    this.#local = new LRUCache<string, string>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (json) => Math.max(1, Buffer.byteLength(json, 'utf8')),
      perf: { now: this.#now },
      // 0: read the clock on every check, so expiry follows `now` exactly.
      ttlResolution: 0,
    });
    this.#shared = options.shared ?? null;
    this.#sharedTimeoutMs = options.sharedTimeoutMs ?? DEFAULT_SHARED_TIMEOUT_MS;
    this.#onError = options.onError ?? (() => undefined);
  }

  /**
   * The stored completion for `key`, L1 first, then L2; null on a miss (L2 failures included).
   * Rejects only if `signal` aborts, with its reason.
   */
  async get(key: string, signal: AbortSignal): Promise<ResponseCacheHit | null> {
    signal.throwIfAborted();
    const local = this.#local.get(key);
    const completion = local === undefined ? null : readCompletion(local);
    if (completion) {
      this.#stats.l1Hits++;
      return { level: 'l1', completion };
    }
    const shared = await this.#getShared(key, signal);
    if (!shared) {
      this.#stats.misses++;
      return null;
    }
    this.#remember(key, shared.json, shared.remainingMs);
    this.#stats.l2Hits++;
    return { level: 'l2', completion: shared.completion };
  }

  /**
   * Stores the completion in both levels for `ttlMs` (whole milliseconds, at least 1), if
   * {@link isStorable} allows; returns false without storing if not. An L2 failure is reported to
   * `onError` and L1 still holds the entry. Rejects only if `signal` aborts, with its reason.
   */
  async set(
    key: string,
    completion: Record<string, unknown>,
    ttlMs: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    signal.throwIfAborted();
    // Whole milliseconds: Redis rejects a fractional PX.
    const ttl = Math.floor(ttlMs);
    if (!isStorable(completion) || !(ttl >= 1)) return false;
    const json = JSON.stringify(completion);
    this.#remember(key, json, ttl);
    this.#stats.writes++;
    const shared = this.#shared;
    if (shared) {
      const entry = `{"v":1,"expiresAt":${this.#now() + ttl},"completion":${json}}`;
      await this.#callShared('set', key, signal, (deadline) =>
        shared.set(SHARED_KEY_PREFIX + key, entry, ttl, deadline),
      );
    }
    return true;
  }

  /** Counters since construction; a fresh object. */
  stats(): ResponseCacheStats {
    return { ...this.#stats };
  }

  #remember(key: string, json: string, ttlMs: number): void {
    this.#local.set(key, json, { ttl: Math.max(1, Math.floor(ttlMs)) });
  }

  async #getShared(
    key: string,
    signal: AbortSignal,
  ): Promise<{ completion: Record<string, unknown>; json: string; remainingMs: number } | null> {
    const shared = this.#shared;
    if (!shared) return null;
    const text = await this.#callShared('get', key, signal, (deadline) =>
      shared.get(SHARED_KEY_PREFIX + key, deadline),
    );
    if (typeof text !== 'string') return null;
    const parsed = parseJson(text);
    const entry = parsed.ok ? StoredEntrySchema.safeParse(parsed.value) : null;
    if (!entry?.success) {
      this.#onError(
        new Error(`unreadable response cache entry: ${parsed.ok ? 'wrong shape' : parsed.error}`),
        {
          operation: 'decode',
          key,
        },
      );
      await this.#callShared('delete', key, signal, (deadline) =>
        shared.delete(SHARED_KEY_PREFIX + key, deadline),
      );
      return null;
    }
    // Replicas' clocks and Redis expiry may disagree; never serve past the writer's deadline.
    const remainingMs = entry.data.expiresAt - this.#now();
    if (remainingMs <= 0) return null;
    const completion = entry.data.completion;
    return { completion, json: JSON.stringify(completion), remainingMs };
  }

  /** Runs one L2 call under the caller's signal and the L2 deadline; undefined if it failed. */
  async #callShared<T>(
    operation: SharedOperation,
    key: string,
    signal: AbortSignal,
    call: (deadline: AbortSignal) => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await withDeadline(call, signal, this.#sharedTimeoutMs);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      this.#onError(error, { operation, key });
      return undefined;
    }
  }
}

function readCompletion(json: string): Record<string, unknown> | null {
  const parsed = parseJson(json);
  return parsed.ok &&
    typeof parsed.value === 'object' &&
    parsed.value !== null &&
    !Array.isArray(parsed.value)
    ? (parsed.value as Record<string, unknown>)
    : null;
}
