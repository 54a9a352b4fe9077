import { Redis } from 'ioredis';
import type { Cache } from './cache.ts';

export interface RedisCacheOptions {
  url: string;
  /** Prefix for every key and channel, so installs can share one Redis. */
  namespace?: string;
}

/** Cache in Redis: shared by every replica of a team or company setup. */
export class RedisCache implements Cache {
  readonly #client: Redis;
  #subscriber: Promise<Redis> | null = null;
  readonly #handlers = new Map<string, Set<(message: string) => void>>();
  readonly #prefix: string;

  private constructor(
    client: Redis,
    private readonly url: string,
    namespace: string,
  ) {
    this.#client = client;
    this.#prefix = namespace ? `${namespace}:` : '';
  }

  /** Connects and checks the server answers; throws if it does not. */
  static async connect(options: RedisCacheOptions): Promise<RedisCache> {
    const client = new Redis(options.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
    });
    await client.connect();
    await client.ping();
    return new RedisCache(client, options.url, options.namespace ?? 'agenticai');
  }

  async get(key: string): Promise<string | null> {
    return this.#client.get(this.#prefix + key);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs) await this.#client.set(this.#prefix + key, value, 'PX', ttlMs);
    else await this.#client.set(this.#prefix + key, value);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.#client.set(this.#prefix + key, value, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#client.del(this.#prefix + key)) > 0;
  }

  async increment(key: string, by = 1, ttlMs?: number): Promise<number> {
    const fullKey = this.#prefix + key;
    const pipeline = this.#client.multi().incrby(fullKey, by);
    // NX: only a new counter gets an expiry, so the window is fixed from its first hit.
    if (ttlMs) pipeline.call('PEXPIRE', fullKey, String(ttlMs), 'NX');
    const results = await pipeline.exec();
    const [error, value] = results?.[0] ?? [new Error('no reply from redis'), null];
    if (error) throw error;
    return Number(value);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#client.publish(this.#prefix + channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const subscriber = await this.#ensureSubscriber();
    const fullChannel = this.#prefix + channel;
    let handlers = this.#handlers.get(fullChannel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(fullChannel, handlers);
    }
    handlers.add(handler);
    // SUBSCRIBE is idempotent; awaiting it on every call means no caller resolves before it is live.
    await subscriber.subscribe(fullChannel);
    return async () => {
      const current = this.#handlers.get(fullChannel);
      current?.delete(handler);
      if (current && current.size === 0) {
        this.#handlers.delete(fullChannel);
        await subscriber.unsubscribe(fullChannel);
      }
    };
  }

  /** One subscriber connection per cache, created on first use (concurrent callers share it). */
  #ensureSubscriber(): Promise<Redis> {
    this.#subscriber ??= (async () => {
      const subscriber = new Redis(this.url, { lazyConnect: true });
      await subscriber.connect();
      subscriber.on('message', (channel: string, message: string) => {
        for (const handler of this.#handlers.get(channel) ?? []) handler(message);
      });
      return subscriber;
    })();
    return this.#subscriber;
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    const subscriber = this.#subscriber ? await this.#subscriber : undefined;
    await Promise.all([this.#client.quit(), subscriber?.quit()]);
  }
}
