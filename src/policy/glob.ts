/**
 * Globs as policies write them: `*` any run of characters (including none, `.` and `/`), `?` one
 * character, `[abc]` / `[a-z]` a class, `[!abc]` its complement; everything else is literal.
 * Matching is case-sensitive and whole-string. Compiled once to a RegExp at policy compile time.
 */
export interface Glob {
  readonly source: string;
  /** The pattern has no wildcard: it matches exactly `source`. */
  readonly literal: boolean;
  test(value: string): boolean;
}

export class GlobError extends Error {}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

/** Throws GlobError (with a message fit for a field error) for an empty or malformed glob. */
export function compileGlob(pattern: string): Glob {
  if (pattern.length === 0) throw new GlobError('a glob must not be empty');
  if (/\s/.test(pattern)) throw new GlobError(`glob ${pattern} contains whitespace`);
  let source = '';
  let literal = true;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '*') {
      literal = false;
      while (pattern[index + 1] === '*') index++;
      source += '.*';
    } else if (char === '?') {
      literal = false;
      source += '.';
    } else if (char === '[') {
      literal = false;
      const close = pattern.indexOf(']', index + 2);
      if (close === -1) throw new GlobError(`glob ${pattern}: "[" at ${index + 1} is never closed`);
      let body = pattern.slice(index + 1, close);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      if (body.length === 0) throw new GlobError(`glob ${pattern}: empty character class`);
      const escaped = body.replace(/[\\^[\]]/g, '\\$&');
      source += negated ? `[^${escaped}]` : `[${escaped}]`;
      index = close;
    } else if (char === ']') {
      throw new GlobError(`glob ${pattern}: "]" at ${index + 1} has no "["`);
    } else {
      source += char.replace(REGEX_SPECIAL, '\\$&');
    }
  }
  if (literal) return { source: pattern, literal, test: (value) => value === pattern };
  let regex: RegExp;
  try {
    regex = new RegExp(`^${source}$`, 's');
  } catch {
    throw new GlobError(`glob ${pattern} is malformed`);
  }
  return { source: pattern, literal, test: (value) => regex.test(value) };
}

/** Matches when any of the globs does. */
export function anyGlob(globs: readonly Glob[], value: string): boolean {
  for (const glob of globs) if (glob.test(value)) return true;
  return false;
}
