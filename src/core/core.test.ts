import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canonicalJson, contentHash } from './canonical-json.ts';
import { decodeCursor, encodeCursor, NameCursorSchema } from './cursor.ts';
import { AppError } from './errors.ts';
import { newestWithinTokens } from './history-budget.ts';
import { parseOrThrow, toPointer } from './validation.ts';

describe('canonical JSON', () => {
  it('gives equal text for equal values whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 2 } })).toBe(
      canonicalJson({ a: { c: 2, d: [1, { y: 2, z: 1 }] }, b: 1 }),
    );
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ b: 2, a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });

  it('keeps array order significant', () => {
    expect(contentHash([1, 2])).not.toBe(contentHash([2, 1]));
  });
});

describe('JSON pointers', () => {
  it('escapes ~ and / as RFC 6901 says', () => {
    expect(toPointer(['spec', 'a/b', 'c~d', 0])).toBe('/spec/a~1b/c~0d/0');
    expect(toPointer([], '/items/2')).toBe('/items/2');
  });

  it('names every invalid field and unknown keys', () => {
    const schema = z.strictObject({ name: z.string(), spec: z.strictObject({ n: z.number() }) });
    try {
      parseOrThrow(schema, { name: 1, spec: { n: 'x', extra: true } }, 'the body');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      const pointers = (error as AppError).fieldErrors?.map((e) => e.pointer).sort();
      expect(pointers).toEqual(['/name', '/spec/extra', '/spec/n']);
    }
  });
});

describe('cursors', () => {
  it('round-trips a sort key', () => {
    expect(decodeCursor(encodeCursor({ name: 'abc' }), NameCursorSchema)).toEqual({ name: 'abc' });
  });

  it('rejects a forged or garbled cursor as invalid input', () => {
    expect(() => decodeCursor('not-base64-json', NameCursorSchema)).toThrow(/cursor/);
    expect(() => decodeCursor(encodeCursor({ id: 'x' }), NameCursorSchema)).toThrow(AppError);
  });
});

describe('newestWithinTokens', () => {
  const messages = [
    { role: 'user', content: 'aaaaaaaa' },
    { role: 'assistant', content: 'bbbb' },
    { role: 'user', content: 'cccc' },
  ];

  it('keeps the newest messages that fit at 4 characters a token, oldest first', () => {
    expect(newestWithinTokens(messages, 2).map((m) => m.content)).toEqual(['bbbb', 'cccc']);
    expect(newestWithinTokens(messages, 1).map((m) => m.content)).toEqual(['cccc']);
  });

  it('stops at the first message that does not fit, and keeps all without a budget', () => {
    expect(newestWithinTokens([{ content: 'x'.repeat(9) }, { content: 'yyyy' }], 3)).toEqual([
      { content: 'yyyy' },
    ]);
    expect(newestWithinTokens(messages, undefined)).toEqual(messages);
  });
});
