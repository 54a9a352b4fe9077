import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../../test/support/env.ts';
import { RedisCache } from '../../store/index.ts';
import { textCompletion } from './completions.test-support.ts';
import { describeSharedLevelContract } from './response-cache.contract.ts';
import { ResponseCache } from './response-cache.ts';

/** One namespace per run, so parallel runs against the same Redis never share keys. */
const RUN_NAMESPACE = `agenticai-test-gw-${randomBytes(6).toString('hex')}`;
const signal = new AbortController().signal;

describe.skipIf(!TEST_REDIS_URL)('response cache over redis', () => {
  const connect = () => RedisCache.connect({ url: TEST_REDIS_URL ?? '', namespace: RUN_NAMESPACE });

  describeSharedLevelContract('redis', connect);

  it('treats a closed Redis as a miss and a skipped write, and reports both', async () => {
    const redis = await connect();
    const errors: { operation: string; key: string }[] = [];
    const writer = new ResponseCache({ maxEntries: 10, maxBytes: 1_000_000, shared: redis });
    await writer.set('k-closed', textCompletion(), 60_000, signal);
    await redis.delete('gw:resp:k-closed');
    await redis.close();
    const reader = new ResponseCache({
      maxEntries: 10,
      maxBytes: 1_000_000,
      shared: redis,
      onError: (_error, context) => errors.push(context),
    });

    expect(await reader.get('k-closed', signal)).toBeNull();
    expect(await reader.set('k-closed', textCompletion(), 60_000, signal)).toBe(true);
    expect(errors).toEqual([
      { operation: 'get', key: 'k-closed' },
      { operation: 'set', key: 'k-closed' },
    ]);
    expect((await reader.get('k-closed', signal))?.level).toBe('l1');
  });

  it('writes a fractional TTL as whole milliseconds, which Redis accepts', async () => {
    const redis = await connect();
    const errors: unknown[] = [];
    const writer = new ResponseCache({
      maxEntries: 10,
      maxBytes: 1_000_000,
      shared: redis,
      onError: (error) => errors.push(error),
    });
    try {
      await writer.set('k-fraction', textCompletion(), 60_000.5, signal);
      expect(errors).toEqual([]);
      expect(await redis.get('gw:resp:k-fraction')).toEqual(expect.any(String));
    } finally {
      await redis.delete('gw:resp:k-fraction');
      await redis.close();
    }
  });
});
