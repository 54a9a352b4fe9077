import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.ts';
import { etagOf, expectedVersion } from './etag.ts';

describe('If-Match parsing', () => {
  it('reads the strong, weak and bare forms of our ETags', () => {
    expect(expectedVersion(etagOf(7))).toBe(7);
    expect(expectedVersion('W/"12"')).toBe(12);
    expect(expectedVersion('3')).toBe(3);
  });

  it('treats an absent header and * as "any version"', () => {
    expect(expectedVersion(undefined)).toBeUndefined();
    expect(expectedVersion('*')).toBeUndefined();
  });

  it('rejects anything else as an invalid request', () => {
    expect(() => expectedVersion('"abc"')).toThrow(AppError);
    try {
      expectedVersion('nope');
    } catch (error) {
      expect((error as AppError).code).toBe('INVALID_REQUEST');
    }
  });
});
