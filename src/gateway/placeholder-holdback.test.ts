import { describe, expect, it } from 'vitest';
import { PlaceholderHoldback } from './placeholder-holdback.ts';

const session = {
  hide: (text: string) => text.replaceAll('alice@example.com', '<EMAIL_1>'),
  restore: (text: string) => text.replaceAll('<EMAIL_1>', 'alice@example.com'),
};

describe('PlaceholderHoldback', () => {
  it('restores a placeholder split across deltas, holding back only from the open bracket', () => {
    const holdback = new PlaceholderHoldback(session);
    const sent = ['mail <EMA', 'IL_1> now', ' please'].map((delta) => holdback.push(0, delta));
    expect(sent).toEqual(['mail ', 'alice@example.com now', ' please']);
  });

  it('keeps choices apart and gives back what is held when a choice ends', () => {
    const holdback = new PlaceholderHoldback(session);
    expect(holdback.push(0, 'a <EM')).toBe('a ');
    expect(holdback.push(1, 'b <EMAIL_1>')).toBe('b alice@example.com');
    expect(holdback.flush(0)).toBe('<EM');
    expect(holdback.flush(0)).toBe('');
  });

  it('does not hold back a lone < that is far from closing, nor text without one', () => {
    const holdback = new PlaceholderHoldback(session);
    expect(holdback.push(0, `x < ${'y'.repeat(80)}`)).toBe(`x < ${'y'.repeat(80)}`);
    expect(holdback.push(0, 'plain text')).toBe('plain text');
  });
});
