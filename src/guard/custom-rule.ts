import { RE2JS } from 're2js';
import safeRegex from 'safe-regex2';

/**
 * Custom PII rules come from policy documents, written by tenants: untrusted patterns that run on
 * every prompt, answer, log line and audit record. They are compiled with RE2 (re2js, a pure
 * JavaScript port), which matches in time linear in the input whatever the pattern, so no rule can
 * hang the masker. RE2 syntax is Go/RE2's: no back-references or look-around (the features that
 * force backtracking); inline flags such as `(?i)` work.
 *
 * We still reject the classic catastrophic-backtracking shape (a quantifier over a group that is
 * itself quantified, star height > 1, e.g. `(a+)+`): RE2 would run it safely, but the same policy
 * pattern tends to be copied into backtracking engines (SIEM rules, `grep -P`, JavaScript), and a
 * rule that is unambiguous is also easier to review.
 */
export interface CompiledRule {
  name: string;
  regex: RE2JS;
}

/** Returns a reason the pattern cannot be used, or null when it is acceptable. */
export function customRegexProblem(pattern: string): string | null {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `regex does not compile (RE2 syntax; back-references and look-around are not supported): ${reason}`;
  }
  if (isJavaScriptRegex(pattern) && !safeRegex(pattern)) {
    return 'regex is dangerous: nested quantifiers (e.g. "(a+)+") can backtrack catastrophically; rewrite it without a repeated group that itself repeats';
  }
  if (compiled.matches('')) return 'regex matches the empty string, so it would flag nothing useful';
  return null;
}

// safe-regex2 parses JavaScript syntax; RE2-only syntax such as `(?i)` is left to RE2's guarantee.
function isJavaScriptRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** Compiles an already validated rule (see `customRegexProblem`). */
export function compileRule(name: string, pattern: string): CompiledRule {
  return { name, regex: RE2JS.compile(pattern) };
}

/** Every non-empty match of `rule` in `text`, as UTF-16 offsets. */
export function* customMatches(rule: CompiledRule, text: string): Generator<[number, number]> {
  const matcher = rule.regex.matcher(text);
  while (matcher.find()) {
    const start = matcher.start();
    const end = matcher.end();
    if (end > start) yield [start, end];
  }
}
