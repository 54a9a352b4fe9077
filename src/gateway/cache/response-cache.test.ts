import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../store/index.ts';
import {
  finishedWith,
  textCompletion,
  toolCallCompletion,
  twoChoiceCompletion,
} from './completions.test-support.ts';
import { describeSharedLevelContract } from './response-cache.contract.ts';
import {
  ResponseCache,
  type ResponseCacheOptions,
  SHARED_KEY_PREFIX,
  type SharedCache,
} from './response-cache.ts';
import { isStorable } from './stored-completion.ts';

const signal = new AbortController().signal;
const sizeOf = (completion: Record<string, unknown>) => Buffer.byteLength(JSON.stringify(completion), 'utf8');
const l1Only = (options: Partial<ResponseCacheOptions> = {}) =>
  new ResponseCache({ maxEntries: 100, maxBytes: 1_000_000, ...options });

describeSharedLevelContract('memory', async () => new MemoryCache());

describe('ResponseCache L1', () => {
  it('returns what was stored, as a copy the caller may change', async () => {
    const cache = l1Only();
    await cache.set('k', textCompletion(), 60_000, signal);

    const first = await cache.get('k', signal);
    expect(first).toEqual({ level: 'l1', completion: textCompletion() });
    (first?.completion as { id: string }).id = 'changed';
    expect((await cache.get('k', signal))?.completion).toEqual(textCompletion());
    expect(cache.stats()).toEqual({ l1Hits: 2, l2Hits: 0, misses: 0, writes: 1 });
  });

  it('counts a miss', async () => {
    const cache = l1Only();
    expect(await cache.get('absent', signal)).toBeNull();
    expect(cache.stats()).toEqual({ l1Hits: 0, l2Hits: 0, misses: 1, writes: 0 });
  });

  it('evicts the least recently used entry past maxEntries', async () => {
    const cache = l1Only({ maxEntries: 2 });
    await cache.set('a', textCompletion({ id: 'a' }), 60_000, signal);
    await cache.set('b', textCompletion({ id: 'b' }), 60_000, signal);
    await cache.get('a', signal);
    await cache.set('c', textCompletion({ id: 'c' }), 60_000, signal);

    expect(await cache.get('b', signal)).toBeNull();
    expect((await cache.get('a', signal))?.completion.id).toBe('a');
    expect((await cache.get('c', signal))?.completion.id).toBe('c');
  });

  it('evicts the least recently used entries past maxBytes', async () => {
    const entry = (id: string) => textCompletion({ id });
    const cache = l1Only({ maxBytes: 3 * sizeOf(entry('a')) });
    for (const id of ['a', 'b', 'c']) await cache.set(id, entry(id), 60_000, signal);
    expect((await cache.get('a', signal))?.level).toBe('l1');

    await cache.set('d', entry('d'), 60_000, signal);

    expect(await cache.get('b', signal)).toBeNull();
    for (const id of ['a', 'c', 'd']) expect((await cache.get(id, signal))?.completion.id).toBe(id);
  });

  it('keeps a completion larger than maxBytes out of L1 but still writes it to L2', async () => {
    const shared = new MemoryCache();
    const cache = l1Only({ maxBytes: 100, shared });
    expect(await cache.set('big', textCompletion(), 60_000, signal)).toBe(true);

    expect((await cache.get('big', signal))?.level).toBe('l2');
    expect((await cache.get('big', signal))?.level).toBe('l2');
  });

  it('expires an entry after its TTL, by the injected clock', async () => {
    let clock = 5_000;
    const cache = l1Only({ now: () => clock });
    await cache.set('short', textCompletion(), 1_000, signal);
    await cache.set('long', textCompletion(), 10_000, signal);

    clock += 1_000;
    expect((await cache.get('short', signal))?.level).toBe('l1');
    clock += 1;
    expect(await cache.get('short', signal)).toBeNull();
    expect((await cache.get('long', signal))?.level).toBe('l1');
  });

  it.each([
    ['content_filter', finishedWith('content_filter')],
    ['no finish reason', finishedWith(null)],
    ['an error', textCompletion({ error: { message: 'boom' } })],
  ])('refuses to store a completion with %s', async (_name, completion) => {
    const shared = new MemoryCache();
    const cache = l1Only({ shared });
    expect(await cache.set('k', completion, 60_000, signal)).toBe(false);

    expect(await cache.get('k', signal)).toBeNull();
    expect(await shared.get(`${SHARED_KEY_PREFIX}k`)).toBeNull();
    expect(cache.stats().writes).toBe(0);
  });

  it('stores with a fractional TTL in whole milliseconds and refuses a TTL under 1 ms', async () => {
    const shared = new MemoryCache();
    const cache = l1Only({ shared });
    expect(await cache.set('fraction', textCompletion(), 1_500.7, signal)).toBe(true);
    expect(await cache.set('zero', textCompletion(), 0.5, signal)).toBe(false);

    expect((await cache.get('fraction', signal))?.level).toBe('l1');
    expect(await cache.get('zero', signal)).toBeNull();
  });

  it('rejects with the reason when the caller has already aborted', async () => {
    const aborted = AbortSignal.abort(new Error('caller left'));
    await expect(l1Only().get('k', aborted)).rejects.toThrow('caller left');
  });
});

/** Injects the failures a real Redis has: every call rejects, or never answers. */
class FailingSharedCache implements SharedCache {
  constructor(private readonly mode: 'reject' | 'hang') {}
  get(): Promise<string | null> {
    return this.#fail();
  }
  set(): Promise<void> {
    return this.#fail();
  }
  delete(): Promise<boolean> {
    return this.#fail();
  }
  #fail<T>(): Promise<T> {
    return this.mode === 'reject' ? Promise.reject(new Error('ECONNREFUSED')) : new Promise<T>(() => {});
  }
}

describe('ResponseCache when L2 fails', () => {
  it.each(['reject', 'hang'] as const)(
    'treats an L2 that fails (%s) as a miss and a skipped write, and reports it',
    async (mode) => {
      const errors: { operation: string; key: string }[] = [];
      const cache = l1Only({
        shared: new FailingSharedCache(mode),
        sharedTimeoutMs: 20,
        onError: (_error, context) => errors.push(context),
      });

      expect(await cache.get('k', signal)).toBeNull();
      expect(await cache.set('k', textCompletion(), 60_000, signal)).toBe(true);
      expect((await cache.get('k', signal))?.level).toBe('l1');
      expect(errors).toEqual([
        { operation: 'get', key: 'k' },
        { operation: 'set', key: 'k' },
      ]);
      expect(cache.stats()).toEqual({ l1Hits: 1, l2Hits: 0, misses: 1, writes: 1 });
    },
  );

  it('rejects with the caller’s reason, unreported, when the caller aborts during an L2 call', async () => {
    const errors: unknown[] = [];
    const cache = l1Only({ shared: new FailingSharedCache('hang'), onError: (error) => errors.push(error) });
    const controller = new AbortController();
    const pending = cache.get('k', controller.signal);
    controller.abort(new Error('caller left'));

    await expect(pending).rejects.toThrow('caller left');
    expect(errors).toEqual([]);
  });
});

describe('isStorable', () => {
  it.each([
    ['a text answer that stopped', textCompletion(), true],
    ['parallel tool calls', toolCallCompletion(), true],
    ['choices ending in stop and length', twoChoiceCompletion(), true],
    ['content_filter', finishedWith('content_filter'), false],
    ['the legacy function_call', finishedWith('function_call'), false],
    ['a missing finish reason', finishedWith(undefined), false],
    ['an error field', textCompletion({ error: { message: 'upstream failed' } }), false],
    ['no choices', textCompletion({ choices: [] }), false],
    ['no id', textCompletion({ id: undefined }), false],
    ['a chunk object', textCompletion({ object: 'chat.completion.chunk' }), false],
  ])('%s → %s', (_name, completion, expected) => {
    expect(isStorable(completion)).toBe(expected);
  });

  it('refuses a completion where one of several choices was filtered', () => {
    const completion = twoChoiceCompletion();
    const [first, second] = completion.choices as Record<string, unknown>[];
    expect(
      isStorable({ ...completion, choices: [first, { ...second, finish_reason: 'content_filter' }] }),
    ).toBe(false);
  });
});
