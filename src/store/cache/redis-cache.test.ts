import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TEST_REDIS_URL } from '../../../test/support/env.ts';
import { describeCacheContract } from './cache.contract.ts';
import type { Cache } from './cache.ts';
import { RedisCache } from './redis-cache.ts';

/** One namespace per run, so parallel runs against the same Redis never share keys. */
const RUN_NAMESPACE = `agenticai-test-${randomBytes(6).toString('hex')}`;

describe.skipIf(!TEST_REDIS_URL)('redis', () => {
  const url = TEST_REDIS_URL ?? '';
  const opened: Cache[] = [];

  const connect = async (namespace = RUN_NAMESPACE): Promise<Cache> => {
    const cache = await RedisCache.connect({ url, namespace });
    opened.push(cache);
    return cache;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((cache) => cache.close()));
  });

  describeCacheContract('redis', () => RedisCache.connect({ url, namespace: RUN_NAMESPACE }));

  it('keeps the keys of two namespaces apart', async () => {
    const blue = await connect(`${RUN_NAMESPACE}-blue`);
    const green = await connect(`${RUN_NAMESPACE}-green`);

    await blue.set('shared', 'blue');
    await green.set('shared', 'green');
    await blue.increment('counter', 2);
    await green.increment('counter', 5);

    expect(await blue.get('shared')).toBe('blue');
    expect(await green.get('shared')).toBe('green');
    expect(await blue.get('counter')).toBe('2');
    expect(await green.get('counter')).toBe('5');
    expect(await blue.delete('shared')).toBe(true);
    expect(await green.get('shared')).toBe('green');
    await green.delete('shared');
    await Promise.all([blue.delete('counter'), green.delete('counter')]);
  });

  it('keeps the channels of two namespaces apart', async () => {
    const blue = await connect(`${RUN_NAMESPACE}-blue`);
    const green = await connect(`${RUN_NAMESPACE}-green`);
    const toBlue: string[] = [];
    const toGreen: string[] = [];
    await blue.subscribe('events', (message) => toBlue.push(message));
    await green.subscribe('events', (message) => toGreen.push(message));

    await green.publish('events', 'for green');

    await vi.waitFor(() => expect(toGreen).toEqual(['for green']));
    expect(toBlue).toEqual([]);
  });

  it('delivers a message published by one cache to a subscriber of another sharing the namespace', async () => {
    const publisher = await connect();
    const subscriber = await connect();
    const channel = `events-${randomBytes(4).toString('hex')}`;
    const received: string[] = [];
    await subscriber.subscribe(channel, (message) => received.push(message));

    await publisher.publish(channel, 'across replicas');

    await vi.waitFor(() => expect(received).toEqual(['across replicas']));
  });

  it('shares values and counters between caches with the same namespace', async () => {
    const first = await connect();
    const second = await connect();
    const key = `shared-${randomBytes(4).toString('hex')}`;

    await first.increment(key, 1, 60_000);
    await second.increment(key, 1, 60_000);

    expect(await first.get(key)).toBe('2');
    await first.delete(key);
  });

  describe('closing', () => {
    const subscriberCount = async (channel: string): Promise<number> => {
      const observer = new Redis(url);
      try {
        const reply = (await observer.pubsub('NUMSUB', `${RUN_NAMESPACE}:${channel}`)) as [string, number];
        return Number(reply[1]);
      } finally {
        await observer.quit();
      }
    };

    it('ends its subscriptions on the server when closed', async () => {
      const cache = await RedisCache.connect({ url, namespace: RUN_NAMESPACE });
      const channel = `closing-${randomBytes(4).toString('hex')}`;
      await cache.subscribe(channel, () => {});
      await cache.subscribe(`${channel}-other`, () => {});
      expect(await subscriberCount(channel)).toBe(1);

      await cache.close();

      await vi.waitFor(async () => {
        expect(await subscriberCount(channel)).toBe(0);
        expect(await subscriberCount(`${channel}-other`)).toBe(0);
      });
    });

    it('ends its subscriptions on the server when closed, even subscriptions made concurrently', async () => {
      const cache = await RedisCache.connect({ url, namespace: RUN_NAMESPACE });
      const channel = `closing-${randomBytes(4).toString('hex')}`;
      await Promise.all([
        cache.subscribe(channel, () => {}),
        cache.subscribe(channel, () => {}),
        cache.subscribe(`${channel}-other`, () => {}),
      ]);

      await cache.close();

      await vi.waitFor(async () => {
        expect(await subscriberCount(channel)).toBe(0);
        expect(await subscriberCount(`${channel}-other`)).toBe(0);
      });
    });
  });
});
