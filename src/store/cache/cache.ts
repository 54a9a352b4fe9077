/**
 * A shared cache with atomic counters and pub/sub: rate limits, response caches and event fan-out
 * use it. Values are strings; callers serialise. Not a store of record: any entry may vanish
 * (eviction, restart), and callers must treat a miss as normal.
 */
export interface Cache {
  /** The value, or null if absent or expired. */
  get(key: string, signal?: AbortSignal): Promise<string | null>;
  /** Stores a value; with ttlMs it expires after that many milliseconds. */
  set(key: string, value: string, ttlMs?: number, signal?: AbortSignal): Promise<void>;
  /** Stores only if absent; returns true if this call stored it. */
  setIfAbsent(key: string, value: string, ttlMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Returns true if a value was removed. */
  delete(key: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * Adds `by` to an integer counter atomically and returns the new value. A new counter starts
   * at 0 and, with ttlMs, expires that long after it was created (a fixed window); a counter that
   * has no expiry yet gets one.
   */
  increment(key: string, by?: number, ttlMs?: number, signal?: AbortSignal): Promise<number>;
  /** Delivers a message to every current subscriber of the channel, in every process sharing the cache. */
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes; resolves once subscribed. The returned function unsubscribes. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
