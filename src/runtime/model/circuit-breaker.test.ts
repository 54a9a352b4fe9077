import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';

function breakerAt(options: { threshold?: number; cooldownMs?: number } = {}) {
  const clock = { now: 1_000 };
  const breaker = new CircuitBreaker({ now: () => clock.now, threshold: 3, cooldownMs: 500, ...options });
  return { clock, breaker };
}

function fail(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) breaker.acquire()?.failure();
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and opens on the Nth consecutive failure', () => {
    const { breaker } = breakerAt();
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(breaker.acquire()).toBeNull();
  });

  it('counts only consecutive failures: a success resets the count', () => {
    const { breaker } = breakerAt();
    fail(breaker, 2);
    breaker.acquire()?.success();
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
  });

  it('reports how long an open circuit still fails fast', () => {
    const { clock, breaker } = breakerAt();
    fail(breaker, 3);
    clock.now += 200;
    expect(breaker.retryInMs).toBe(300);
  });

  it('half-opens after the cool-down and lets exactly one probe through', () => {
    const { clock, breaker } = breakerAt();
    fail(breaker, 3);
    clock.now += 499;
    expect(breaker.acquire()).toBeNull();
    clock.now += 1;
    expect(breaker.state).toBe('half_open');
    const probe = breaker.acquire();
    expect(probe).not.toBeNull();
    expect(breaker.acquire()).toBeNull();
    probe?.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.acquire()).not.toBeNull();
  });

  it('reopens for a full cool-down when the probe fails', () => {
    const { clock, breaker } = breakerAt();
    fail(breaker, 3);
    clock.now += 500;
    breaker.acquire()?.failure();
    expect(breaker.state).toBe('open');
    clock.now += 499;
    expect(breaker.acquire()).toBeNull();
    clock.now += 1;
    expect(breaker.acquire()).not.toBeNull();
  });

  it('lets another caller probe when the probe is released without a verdict', () => {
    const { clock, breaker } = breakerAt();
    fail(breaker, 3);
    clock.now += 500;
    breaker.acquire()?.release();
    expect(breaker.state).toBe('half_open');
    expect(breaker.acquire()).not.toBeNull();
  });

  it('ignores a second settlement of the same permit', () => {
    const { breaker } = breakerAt({ threshold: 2 });
    const permit = breaker.acquire();
    permit?.failure();
    permit?.failure();
    expect(breaker.state).toBe('closed');
  });

  it('ignores failures of attempts sent before the circuit opened', () => {
    const { clock, breaker } = breakerAt();
    const straggler = breaker.acquire();
    fail(breaker, 3);
    clock.now += 500;
    const probe = breaker.acquire();
    straggler?.failure();
    expect(breaker.state).toBe('half_open');
    probe?.success();
    expect(breaker.state).toBe('closed');
  });
});
