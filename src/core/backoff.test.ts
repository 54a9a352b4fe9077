import { describe, expect, it } from 'vitest';
import { fullJitterDelay, retryAfterMs } from './backoff.ts';

describe('fullJitterDelay', () => {
  it('draws below base·2^attempt, capped', () => {
    const almostOne = () => 0.999_999;
    expect(fullJitterDelay(0, almostOne, 100, 2_000)).toBe(99);
    expect(fullJitterDelay(3, almostOne, 100, 2_000)).toBe(799);
    expect(fullJitterDelay(10, almostOne, 100, 2_000)).toBe(1_999);
    expect(fullJitterDelay(5_000, almostOne, 100, 2_000)).toBe(1_999);
  });

  it('can draw zero, so synchronised callers spread out', () => {
    expect(fullJitterDelay(4, () => 0)).toBe(0);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');

  it('reads delta-seconds, including fractional ones', () => {
    expect(retryAfterMs({ 'retry-after': '2' }, now)).toBe(2_000);
    expect(retryAfterMs({ 'retry-after': '0.05' }, now)).toBe(50);
  });

  it('reads an HTTP date relative to now, and a past date as zero', () => {
    expect(retryAfterMs({ 'retry-after': 'Wed, 25 Nov 2026 12:00:03 GMT' }, now)).toBe(3_000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 25 Nov 2026 11:00:00 GMT' }, now)).toBe(0);
  });

  it('prefers retry-after-ms when both are present', () => {
    expect(retryAfterMs({ 'retry-after-ms': '120', 'retry-after': '5' }, now)).toBe(120);
  });

  it('ignores absent and unparseable values', () => {
    expect(retryAfterMs({}, now)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': '-1' }, now)).toBeUndefined();
  });
});
