import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cache } from './cache.ts';

/**
 * The conformance suite every Cache must pass: MemoryCache and RedisCache. Each test gets its own
 * cache and its own key prefix, so tests never see each other's entries.
 */
export function describeCacheContract(name: string, make: () => Promise<Cache>): void {
  describe(`cache contract: ${name}`, () => {
    let cache: Cache;
    let prefix: string;
    let used: Set<string>;
    const key = (suffix: string): string => {
      const full = `${prefix}:${suffix}`;
      used.add(full);
      return full;
    };

    beforeEach(async () => {
      cache = await make();
      prefix = `contract-${randomBytes(6).toString('hex')}`;
      used = new Set();
    });

    afterEach(async () => {
      // A shared server outlives the test: leave nothing behind.
      for (const full of used) await cache.delete(full);
      await cache.close();
    });

    describe('values', () => {
      it('returns null for a key that was never set', async () => {
        expect(await cache.get(key('missing'))).toBeNull();
      });

      it('returns the value last set, overwriting an earlier one', async () => {
        await cache.set(key('k'), 'first');
        await cache.set(key('k'), 'second');

        expect(await cache.get(key('k'))).toBe('second');
      });

      it('forgets a value once its ttl has passed', async () => {
        // Wide margins: a loaded CI machine may take tens of milliseconds between two awaits.
        await cache.set(key('short'), 'v', 1_000);
        await cache.set(key('long'), 'v', 60_000);
        expect(await cache.get(key('short'))).toBe('v');

        await sleep(1_300);

        expect(await cache.get(key('short'))).toBeNull();
        expect(await cache.get(key('long'))).toBe('v');
      });

      it('keeps a value set without a ttl', async () => {
        await cache.set(key('forever'), 'v');

        await sleep(150);

        expect(await cache.get(key('forever'))).toBe('v');
      });

      it('deletes a value and reports whether there was one', async () => {
        await cache.set(key('k'), 'v');

        expect(await cache.delete(key('k'))).toBe(true);
        expect(await cache.delete(key('k'))).toBe(false);
        expect(await cache.get(key('k'))).toBeNull();
      });
    });

    describe('setIfAbsent', () => {
      it('stores only the first of two writes and keeps the first value', async () => {
        expect(await cache.setIfAbsent(key('lock'), 'first', 60_000)).toBe(true);
        expect(await cache.setIfAbsent(key('lock'), 'second', 60_000)).toBe(false);

        expect(await cache.get(key('lock'))).toBe('first');
      });

      it('lets exactly one of many concurrent writers store the value', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => cache.setIfAbsent(key('race'), `writer-${i}`, 60_000)),
        );

        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await cache.get(key('race'))).toBe(`writer-${results.indexOf(true)}`);
      });

      it('stores again once the earlier value has expired', async () => {
        await cache.setIfAbsent(key('lock'), 'first', 50);

        await sleep(150);

        expect(await cache.setIfAbsent(key('lock'), 'second', 60_000)).toBe(true);
        expect(await cache.get(key('lock'))).toBe('second');
      });

      it('does not store over a value written with set', async () => {
        await cache.set(key('k'), 'existing');

        expect(await cache.setIfAbsent(key('k'), 'new', 60_000)).toBe(false);
        expect(await cache.get(key('k'))).toBe('existing');
      });
    });

    describe('increment', () => {
      it('starts a new counter at the increment', async () => {
        expect(await cache.increment(key('n'))).toBe(1);
        expect(await cache.increment(key('m'), 5)).toBe(5);
      });

      it('adds by the given amount to an existing counter', async () => {
        await cache.increment(key('n'), 5);

        expect(await cache.increment(key('n'), 3)).toBe(8);
        expect(await cache.increment(key('n'))).toBe(9);
        expect(await cache.get(key('n'))).toBe('9');
      });

      it('counts every one of many concurrent increments', async () => {
        await Promise.all(Array.from({ length: 20 }, () => cache.increment(key('n'), 1, 60_000)));

        expect(await cache.get(key('n'))).toBe('20');
      });

      it('removes a counter once its window has passed', async () => {
        await cache.increment(key('n'), 1, 50);

        await sleep(150);

        expect(await cache.get(key('n'))).toBeNull();
        expect(await cache.increment(key('n'), 1, 50)).toBe(1);
      });

      it('keeps the window fixed from the first increment rather than extending it', async () => {
        // Wide margins, for a loaded CI machine.
        expect(await cache.increment(key('window'), 1, 2_000)).toBe(1);
        await sleep(500);
        expect(await cache.increment(key('window'), 1, 2_000)).toBe(2);

        // 2.2 s after the first increment: past its window, inside a window restarted at 0.5 s.
        await sleep(1_700);

        expect(await cache.get(key('window'))).toBeNull();
      });

      it('gives a counter that had no expiry the window of a later increment', async () => {
        await cache.increment(key('late'));
        expect(await cache.increment(key('late'), 1, 50)).toBe(2);

        await sleep(150);

        expect(await cache.get(key('late'))).toBeNull();
      });
    });

    describe('publish and subscribe', () => {
      it('delivers a published message to every subscriber of the channel', async () => {
        const first: string[] = [];
        const second: string[] = [];
        await cache.subscribe(key('events'), (message) => first.push(message));
        await cache.subscribe(key('events'), (message) => second.push(message));

        await cache.publish(key('events'), 'hello');

        await vi.waitFor(() => {
          expect(first).toEqual(['hello']);
          expect(second).toEqual(['hello']);
        });
      });

      it('delivers messages of one channel in the order they were published', async () => {
        const received: string[] = [];
        await cache.subscribe(key('ordered'), (message) => received.push(message));

        for (const message of ['1', '2', '3']) await cache.publish(key('ordered'), message);

        await vi.waitFor(() => expect(received).toEqual(['1', '2', '3']));
      });

      it('does not deliver a message of another channel', async () => {
        const other: string[] = [];
        const own: string[] = [];
        await cache.subscribe(key('other'), (message) => other.push(message));
        await cache.subscribe(key('own'), (message) => own.push(message));

        await cache.publish(key('own'), 'mine');

        await vi.waitFor(() => expect(own).toEqual(['mine']));
        expect(other).toEqual([]);
      });

      it('stops delivering to a handler once it unsubscribed', async () => {
        const gone: string[] = [];
        const unsubscribe = await cache.subscribe(key('events'), (message) => gone.push(message));
        await cache.publish(key('events'), 'before');
        await vi.waitFor(() => expect(gone).toEqual(['before']));

        await unsubscribe();
        // A later subscriber on the same channel proves the next message was delivered at all.
        const witness: string[] = [];
        await cache.subscribe(key('events'), (message) => witness.push(message));
        await cache.publish(key('events'), 'after');

        await vi.waitFor(() => expect(witness).toEqual(['after']));
        expect(gone).toEqual(['before']);
      });

      it('keeps delivering to the other handlers when one unsubscribes', async () => {
        const leaving: string[] = [];
        const staying: string[] = [];
        const unsubscribe = await cache.subscribe(key('events'), (message) => leaving.push(message));
        await cache.subscribe(key('events'), (message) => staying.push(message));

        await unsubscribe();
        await cache.publish(key('events'), 'after');

        await vi.waitFor(() => expect(staying).toEqual(['after']));
        expect(leaving).toEqual([]);
      });
    });
  });
}
