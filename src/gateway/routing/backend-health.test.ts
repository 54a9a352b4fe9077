import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/index.ts';
import { BackendHealth, type BackendHealthOptions } from './backend-health.ts';

function setup(options: Partial<BackendHealthOptions> = {}) {
  const clock = { ms: 0 };
  const health = new BackendHealth({ now: () => clock.ms, ...options });
  return { clock, health };
}

const tight = { failureThreshold: 1, cooldownMs: 1000 };

describe('BackendHealth', () => {
  it('keeps an EWMA of latency: the first sample sets it, later ones blend with alpha 0.3', () => {
    const { health } = setup();
    expect(health.ewmaMs('a')).toBeUndefined();
    health.begin('a')?.succeeded(100);
    expect(health.ewmaMs('a')).toBe(100);
    health.begin('a')?.succeeded(200);
    expect(health.ewmaMs('a')).toBeCloseTo(130, 10);
    health.begin('a')?.failed(50);
    expect(health.ewmaMs('a')).toBeCloseTo(0.3 * 50 + 0.7 * 130, 10);
    health.begin('a')?.failed();
    expect(health.ewmaMs('a')).toBeCloseTo(106, 10);
  });

  it('takes a configured alpha and refuses one outside (0, 1]', () => {
    const { health } = setup({ ewmaAlpha: 0.5 });
    health.begin('a')?.succeeded(100);
    health.begin('a')?.succeeded(300);
    expect(health.ewmaMs('a')).toBe(200);
    expect(() => setup({ ewmaAlpha: 0 })).toThrow(AppError);
    expect(() => setup({ ewmaAlpha: 1.5 })).toThrow(AppError);
  });

  it('counts calls in flight and decrements once per attempt however often it is ended', () => {
    const { health } = setup();
    const first = health.begin('a');
    const second = health.begin('a');
    expect(health.inFlight('a')).toBe(2);
    first?.succeeded(10);
    first?.succeeded(10);
    first?.failed(10);
    first?.released();
    expect(health.inFlight('a')).toBe(1);
    expect(health.ewmaMs('a')).toBe(10);
    expect(health.snapshot()[0]?.consecutiveFailures).toBe(0);
    second?.released();
    second?.released();
    expect(health.inFlight('a')).toBe(0);
  });

  it('only the first ending reaches the breaker', () => {
    const { health } = setup();
    const attempt = health.begin('a', { failureThreshold: 2, cooldownMs: 1000 });
    attempt?.failed();
    attempt?.failed();
    expect(health.breakerFor('a').state).toBe('closed');
    expect(health.breakerFor('a').consecutiveFailures).toBe(1);
  });

  it('refuses to begin while the circuit is open, counting nothing', () => {
    const { clock, health } = setup();
    health.begin('a', tight)?.failed();
    expect(health.begin('a', tight)).toBeNull();
    expect(health.inFlight('a')).toBe(0);
    expect(health.available('a')).toBe(false);
    expect(health.retryAfterMs('a')).toBe(1000);
    clock.ms += 1000;
    expect(health.available('a')).toBe(true);
  });

  it('admits one half-open probe; its release lets the next probe in', () => {
    const { clock, health } = setup();
    health.begin('a', tight)?.failed();
    clock.ms += 1000;
    const probe = health.begin('a', tight);
    expect(probe).not.toBeNull();
    expect(health.begin('a', tight)).toBeNull();
    probe?.released();
    expect(health.breakerFor('a').state).toBe('half_open');
    const next = health.begin('a', tight);
    expect(next).not.toBeNull();
    next?.succeeded(5);
    expect(health.breakerFor('a').state).toBe('closed');
  });

  it("does not let a call admitted before the circuit opened free the probe's slot", () => {
    const { clock, health } = setup();
    const straggler = health.begin('a', tight);
    health.begin('a', tight)?.failed();
    clock.ms += 1000;
    expect(health.begin('a', tight)).not.toBeNull();
    straggler?.released();
    expect(health.begin('a', tight)).toBeNull();
  });

  it('does not let a probe of an earlier opening free the current probe slot', () => {
    const { clock, health } = setup();
    const straggler = health.begin('a', tight);
    health.begin('a', tight)?.failed();
    clock.ms += 1000;
    const oldProbe = health.begin('a', tight);
    straggler?.failed();
    expect(health.breakerFor('a').state).toBe('open');
    clock.ms += 1000;
    expect(health.begin('a', tight)).not.toBeNull();
    oldProbe?.released();
    expect(health.begin('a', tight)).toBeNull();
  });

  it('creates breakers with the defaults, updates a changed config, keeps it when none is given', () => {
    const { health } = setup();
    expect(health.breakerFor('a').config).toEqual({ failureThreshold: 5, cooldownMs: 30_000 });
    expect(health.breakerFor('a', { cooldownMs: 5000 }).config).toEqual({
      failureThreshold: 5,
      cooldownMs: 5000,
    });
    expect(health.breakerFor('a').config).toEqual({ failureThreshold: 5, cooldownMs: 5000 });
    health.begin('a', { failureThreshold: 2, cooldownMs: 5000 })?.failed();
    health.begin('a')?.failed();
    expect(health.breakerFor('a').state).toBe('open');
  });

  it('reports a snapshot per backend, ordered by name, without creating entries on reads', () => {
    const { health } = setup();
    expect(health.inFlight('z')).toBe(0);
    expect(health.available('z')).toBe(true);
    expect(health.snapshot()).toEqual([]);
    health.begin('b', tight)?.failed(40);
    health.begin('a')?.succeeded(12);
    health.begin('a');
    expect(health.snapshot()).toEqual([
      { backend: 'a', state: 'closed', ewmaMs: 12, inFlight: 1, consecutiveFailures: 0 },
      { backend: 'b', state: 'open', ewmaMs: 40, inFlight: 0, consecutiveFailures: 1 },
    ]);
    health.breakerFor('c');
    expect(health.snapshot()[2]).toEqual({
      backend: 'c',
      state: 'closed',
      ewmaMs: null,
      inFlight: 0,
      consecutiveFailures: 0,
    });
  });

  it('forgets idle backends with nothing in flight once it tracks more than the maximum', () => {
    const { clock, health } = setup({ maxBackends: 3, idleForgetMs: 1000 });
    const busy = health.begin('a');
    health.begin('b')?.succeeded(1);
    health.breakerFor('c');
    clock.ms += 999;
    health.breakerFor('c');
    clock.ms += 1;
    health.breakerFor('d');
    expect(health.snapshot().map((record) => record.backend)).toEqual(['a', 'c', 'd']);
    busy?.succeeded(1);
    expect(health.inFlight('a')).toBe(0);
  });

  it('keeps idle backends while under the maximum', () => {
    const { clock, health } = setup({ maxBackends: 3, idleForgetMs: 1000 });
    health.breakerFor('a');
    health.breakerFor('b');
    clock.ms += 10_000;
    health.breakerFor('c');
    expect(health.snapshot()).toHaveLength(3);
  });
});
