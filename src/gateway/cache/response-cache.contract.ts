import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { textCompletion } from './completions.test-support.ts';
import {
  ResponseCache,
  type ResponseCacheOptions,
  SHARED_KEY_PREFIX,
  type SharedCache,
} from './response-cache.ts';

const signal = new AbortController().signal;

/**
 * What the response cache's L2 must do over every shared cache (MemoryCache, RedisCache): two
 * ResponseCache instances over the same shared cache stand for two gateway replicas.
 */
export function describeSharedLevelContract(
  name: string,
  open: () => Promise<SharedCache & { close(): Promise<void> }>,
): void {
  describe(`response cache L2: ${name}`, () => {
    let shared: SharedCache & { close(): Promise<void> };
    let key: string;
    let errors: { operation: string; key: string }[];
    const replica = (options: Partial<ResponseCacheOptions> = {}) =>
      new ResponseCache({
        maxEntries: 100,
        maxBytes: 1_000_000,
        shared,
        onError: (_error, context) => errors.push(context),
        ...options,
      });

    beforeEach(async () => {
      shared = await open();
      key = randomBytes(32).toString('hex');
      errors = [];
    });

    afterEach(async () => {
      await shared.delete(SHARED_KEY_PREFIX + key);
      await shared.close();
    });

    it('serves another replica from L2, under the gw:resp: namespace', async () => {
      await replica().set(key, textCompletion(), 60_000, signal);
      const other = replica();

      expect(await other.get(key, signal)).toEqual({ level: 'l2', completion: textCompletion() });
      expect(await shared.get(`gw:resp:${key}`)).toEqual(expect.any(String));
      expect(other.stats()).toEqual({ l1Hits: 0, l2Hits: 1, misses: 0, writes: 0 });
    });

    it('promotes an L2 hit into L1, which serves it even once L2 has lost it', async () => {
      await replica().set(key, textCompletion(), 60_000, signal);
      const other = replica();
      await other.get(key, signal);
      await shared.delete(SHARED_KEY_PREFIX + key);

      expect(await other.get(key, signal)).toEqual({ level: 'l1', completion: textCompletion() });
      expect(other.stats()).toEqual({ l1Hits: 1, l2Hits: 1, misses: 0, writes: 0 });
    });

    it('keeps the writer expiry on promotion: the copy in L1 ends when the L2 entry does', async () => {
      let clock = 1_000_000;
      const now = () => clock;
      await replica({ now }).set(key, textCompletion(), 10_000, signal);
      const other = replica({ now });
      clock += 6_000;
      expect((await other.get(key, signal))?.level).toBe('l2');
      await shared.delete(SHARED_KEY_PREFIX + key);

      clock += 3_999;
      expect((await other.get(key, signal))?.level).toBe('l1');
      clock += 2;
      expect(await other.get(key, signal)).toBeNull();
    });

    it('never serves an L2 entry past the expiry its writer gave it', async () => {
      let clock = 1_000_000;
      await replica({ now: () => clock }).set(key, textCompletion(), 5_000, signal);
      clock += 5_001;

      expect(await replica({ now: () => clock }).get(key, signal)).toBeNull();
    });

    it.each([
      ['not JSON', '{"v":1,'],
      ['JSON of the wrong shape', '{"v":1,"expiresAt":"soon","completion":{}}'],
      ['an unstorable completion', JSON.stringify({ v: 1, expiresAt: 9e15, completion: { choices: [] } })],
    ])('treats %s in L2 as a miss, deletes it and reports it', async (_name, value) => {
      await shared.set(SHARED_KEY_PREFIX + key, value, 60_000);
      const cache = replica();

      expect(await cache.get(key, signal)).toBeNull();
      expect(await shared.get(SHARED_KEY_PREFIX + key)).toBeNull();
      expect(errors).toEqual([{ operation: 'decode', key }]);
      expect(cache.stats().misses).toBe(1);
    });

    it('expires L2 entries after the TTL it was given', async () => {
      await replica().set(key, textCompletion(), 50, signal);
      await new Promise((resolve) => setTimeout(resolve, 120));

      expect(await shared.get(SHARED_KEY_PREFIX + key)).toBeNull();
    });
  });
}
