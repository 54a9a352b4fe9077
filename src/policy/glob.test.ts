import { describe, expect, it } from 'vitest';
import { compileGlob, GlobError } from './glob.ts';

describe('compileGlob', () => {
  it('matches a literal exactly and nothing else', () => {
    const glob = compileGlob('http_request');
    expect(glob.literal).toBe(true);
    expect(glob.test('http_request')).toBe(true);
    expect(glob.test('http_requests')).toBe(false);
    expect(glob.test('xhttp_request')).toBe(false);
  });

  it('lets * match any run of characters, including dots and slashes', () => {
    const glob = compileGlob('firewall_*');
    expect(glob.test('firewall_block_ip')).toBe(true);
    expect(glob.test('firewall_')).toBe(true);
    expect(glob.test('my_firewall_block')).toBe(false);
    expect(compileGlob('openai/*').test('openai/gpt-4o')).toBe(true);
    expect(compileGlob('mcp.*.read').test('mcp.files.v2.read')).toBe(true);
  });

  it('supports ? and character classes, negated with !', () => {
    expect(compileGlob('tool-?').test('tool-a')).toBe(true);
    expect(compileGlob('tool-?').test('tool-ab')).toBe(false);
    expect(compileGlob('v[0-9]').test('v7')).toBe(true);
    expect(compileGlob('v[!0-9]').test('v7')).toBe(false);
    expect(compileGlob('v[!0-9]').test('vx')).toBe(true);
  });

  it('treats regex metacharacters as literals', () => {
    const glob = compileGlob('a.b+(c)');
    expect(glob.test('a.b+(c)')).toBe(true);
    expect(compileGlob('a.*').test('ab')).toBe(false);
    expect(compileGlob('a$|b*').test('a$|bzz')).toBe(true);
  });

  it.each([
    ['', 'must not be empty'],
    ['exec_[abc', 'never closed'],
    ['exec_]', 'has no "["'],
    ['exec_[!]x', 'empty character class'],
    ['v[z-a]', 'malformed'],
    ['two words', 'whitespace'],
  ])('rejects %j', (pattern, message) => {
    expect(() => compileGlob(pattern)).toThrow(GlobError);
    expect(() => compileGlob(pattern)).toThrow(message);
  });
});
