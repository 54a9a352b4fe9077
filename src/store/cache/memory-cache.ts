import { EventEmitter } from 'node:events';
import { LRUCache } from 'lru-cache';
import type { Cache } from './cache.ts';

export interface MemoryCacheOptions {
  maxEntries?: number;
}

/** Cache in this process: for the single-process laptop setup, where nothing else shares it. */
export class MemoryCache implements Cache {
  readonly #entries: LRUCache<string, string>;
  readonly #bus = new EventEmitter();

  constructor(options: MemoryCacheOptions = {}) {
    this.#entries = new LRUCache<string, string>({ max: options.maxEntries ?? 100_000, ttlAutopurge: false });
    this.#bus.setMaxListeners(0);
  }

  async get(key: string): Promise<string | null> {
    return this.#entries.get(key) ?? null;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.#entries.set(key, value, ttlMs ? { ttl: ttlMs } : {});
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#entries.has(key)) return false;
    this.#entries.set(key, value, { ttl: ttlMs });
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.#entries.delete(key);
  }

  async increment(key: string, by = 1, ttlMs?: number): Promise<number> {
    const current = this.#entries.get(key);
    if (current === undefined) {
      this.#entries.set(key, String(by), ttlMs ? { ttl: ttlMs } : {});
      return by;
    }
    const next = Number(current) + by;
    // Keep the window's original expiry; a counter without one gets ttlMs (as Redis PEXPIRE NX does).
    const remaining = this.#entries.getRemainingTTL(key);
    const ttl = Number.isFinite(remaining) && remaining > 0 ? remaining : ttlMs;
    this.#entries.set(key, String(next), ttl ? { ttl } : {});
    return next;
  }

  async publish(channel: string, message: string): Promise<void> {
    this.#bus.emit(channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    this.#bus.on(channel, handler);
    return async () => {
      this.#bus.off(channel, handler);
    };
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#bus.removeAllListeners();
  }
}
