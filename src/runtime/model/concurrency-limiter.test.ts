import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';

const never = new AbortController().signal;

describe('ConcurrencyLimiter', () => {
  it('admits up to the limit and queues the rest in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const order: string[] = [];
    const releaseFirst = await limiter.acquire(never);
    const second = limiter.acquire(never).then((release) => {
      order.push('second');
      return release;
    });
    const third = limiter.acquire(never).then((release) => {
      order.push('third');
      return release;
    });
    expect(limiter.waiting).toBe(2);
    releaseFirst();
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    expect(limiter.active).toBe(0);
  });

  it('removes an aborted waiter from the queue and rejects with the reason', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const release = await limiter.acquire(never);
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    const reason = new Error('gone');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(limiter.waiting).toBe(0);
    release();
    expect(limiter.active).toBe(0);
  });

  it('treats a second release as a no-op', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const release = await limiter.acquire(never);
    await limiter.acquire(never);
    release();
    release();
    expect(limiter.active).toBe(1);
  });

  it('admits waiters at once when the limit is raised', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire(never);
    const waiting = limiter.acquire(never);
    limiter.limit = 2;
    await expect(waiting).resolves.toBeTypeOf('function');
    expect(limiter.active).toBe(2);
  });
});
