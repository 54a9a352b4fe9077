import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/index.ts';
import {
  breakerConfigOf,
  CIRCUIT_STATES,
  CircuitBreaker,
  DEFAULT_BREAKER_CONFIG,
} from './circuit-breaker.ts';

function setup(failureThreshold = 3, cooldownMs = 1000) {
  const clock = { ms: 10_000 };
  const breaker = new CircuitBreaker({ failureThreshold, cooldownMs, now: () => clock.ms });
  const trip = () => {
    for (let i = 0; i < failureThreshold; i++) {
      expect(breaker.tryAcquire()).toBe(true);
      breaker.failure();
    }
    expect(breaker.state).toBe('open');
  };
  return { clock, breaker, trip };
}

describe('CircuitBreaker', () => {
  it('lists its states as a closed set', () => {
    expect(CIRCUIT_STATES).toEqual(['closed', 'open', 'half_open']);
  });

  it('opens only after the threshold of consecutive failures; a success resets the count', () => {
    const { breaker } = setup(3);
    breaker.failure();
    breaker.failure();
    breaker.success();
    expect(breaker.consecutiveFailures).toBe(0);
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    expect(breaker.available()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.consecutiveFailures).toBe(3);
    expect(breaker.openings).toBe(1);
  });

  it('refuses while open and turns half-open once the cooldown has passed on the injected clock', () => {
    const { clock, breaker, trip } = setup(2, 1000);
    trip();
    expect(breaker.available()).toBe(false);
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryAfterMs()).toBe(1000);
    clock.ms += 999;
    expect(breaker.state).toBe('open');
    expect(breaker.retryAfterMs()).toBe(1);
    expect(breaker.tryAcquire()).toBe(false);
    clock.ms += 1;
    expect(breaker.state).toBe('half_open');
    expect(breaker.available()).toBe(true);
    expect(breaker.retryAfterMs()).toBe(0);
  });

  it('admits exactly one half-open probe among concurrent tryAcquire calls', () => {
    const { clock, breaker, trip } = setup();
    trip();
    clock.ms += 1000;
    const admitted = Array.from({ length: 5 }, () => breaker.tryAcquire());
    expect(admitted).toEqual([true, false, false, false, false]);
    expect(breaker.available()).toBe(false);
    expect(breaker.state).toBe('half_open');
    expect(breaker.retryAfterMs()).toBe(1000);
  });

  it('closes on a probe success, resetting failures', () => {
    const { clock, breaker, trip } = setup(2);
    trip();
    clock.ms += 1000;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(0);
    expect([breaker.tryAcquire(), breaker.tryAcquire()]).toEqual([true, true]);
    breaker.failure();
    expect(breaker.state).toBe('closed');
  });

  it('reopens for a full cooldown when the probe fails', () => {
    const { clock, breaker, trip } = setup(2, 1000);
    trip();
    clock.ms += 5000;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.openings).toBe(2);
    expect(breaker.retryAfterMs()).toBe(1000);
    clock.ms += 999;
    expect(breaker.tryAcquire()).toBe(false);
    clock.ms += 1;
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('reopens on a failed probe even after the threshold was raised above the failure count', () => {
    const { clock, breaker, trip } = setup(2, 1000);
    trip();
    breaker.configure({ failureThreshold: 10, cooldownMs: 1000 });
    clock.ms += 1000;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
  });

  it('release() frees the probe slot without changing state or failures', () => {
    const { clock, breaker, trip } = setup(2);
    trip();
    clock.ms += 1000;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release();
    expect(breaker.state).toBe('half_open');
    expect(breaker.consecutiveFailures).toBe(2);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('release() while closed neither resets nor adds to the failure count', () => {
    const { breaker } = setup(3);
    breaker.failure();
    breaker.failure();
    breaker.release();
    expect(breaker.consecutiveFailures).toBe(2);
    breaker.failure();
    expect(breaker.state).toBe('open');
  });

  it('ignores late outcomes while open: a success does not close, a failure does not extend', () => {
    const { clock, breaker, trip } = setup(2, 1000);
    trip();
    clock.ms += 400;
    breaker.success();
    expect(breaker.state).toBe('open');
    breaker.failure();
    expect(breaker.retryAfterMs()).toBe(600);
    expect(breaker.openings).toBe(1);
  });

  it('applies a new cooldown to the current open period and refuses out-of-range configs', () => {
    const { clock, breaker, trip } = setup(2, 1000);
    trip();
    clock.ms += 500;
    breaker.configure({ failureThreshold: 2, cooldownMs: 400 });
    expect(breaker.state).toBe('half_open');
    expect(breaker.config).toEqual({ failureThreshold: 2, cooldownMs: 400 });
    expect(() => breaker.configure({ failureThreshold: 0, cooldownMs: 1 })).toThrow(AppError);
    expect(() => new CircuitBreaker({ failureThreshold: 1, cooldownMs: -1, now: () => 0 })).toThrow(
      /cooldownMs/,
    );
  });

  it('reads an alias circuit_breaker, defaulting to 5 failures and 30 s', () => {
    expect(breakerConfigOf({})).toEqual({ failureThreshold: 5, cooldownMs: 30_000 });
    expect(DEFAULT_BREAKER_CONFIG).toEqual({ failureThreshold: 5, cooldownMs: 30_000 });
    expect(breakerConfigOf({ circuit_breaker: { failure_threshold: 2, cooldown: '1m30s' } })).toEqual({
      failureThreshold: 2,
      cooldownMs: 90_000,
    });
  });
});
