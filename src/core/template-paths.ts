/**
 * The `${...}` reference syntax shared by workflow templates and trigger mappings: a path walker
 * over a scope, never code execution. Each user names its roots and its errors (a `TemplateDialect`).
 *
 * A path is a root followed by `.name`, `[n]` or `['key']` segments: `${nodes.lookup.items[0].ip}`,
 * `${headers['x-request-id']}`. A string that is exactly one reference yields the referenced value
 * as is (object, number…); any other string interpolates (strings as is, other values JSON-encoded).
 * `$${` writes a literal `${`.
 */

import { assertNever } from './errors.ts';
import { toPointer } from './validation.ts';

export type PathSegment = string | number;

export interface PathReference<Root extends string = string> {
  /** The text between `${` and `}`, e.g. `nodes.lookup.output.score`. */
  text: string;
  root: Root;
  /** Segments after the root. */
  path: PathSegment[];
}

export type TemplatePart<Root extends string = string> =
  | { kind: 'text'; text: string }
  | { kind: 'reference'; reference: PathReference<Root> };

/** Why a string's reference is malformed; `malformedMessage` words it. */
export type MalformedReason =
  | { kind: 'unclosed' }
  | { kind: 'no-root' }
  | { kind: 'unknown-root'; root: string }
  | { kind: 'expected-name'; rest: string }
  | { kind: 'unexpected'; rest: string };

/** What one user of the syntax decides: its roots, and the error it throws for a malformed reference. */
export interface TemplateDialect<Root extends string> {
  readonly roots: readonly Root[];
  /**
   * The error to throw. `reference` is the reference as written with `${}`, or for an unclosed one
   * the rest of the string from its `${`.
   */
  malformed(reference: string, reason: MalformedReason): Error;
}

/** The outcome of walking a path: the value, or why it is missing and the segments walked up to it. */
export type WalkResult =
  | { found: true; value: unknown }
  | { found: false; why: string; walked: PathSegment[] };

const IDENTIFIER = /^[A-Za-z_$][\w$-]*/;

/** `input, nodes, item or index`. */
const listed = (roots: readonly string[]) =>
  roots.length > 1 ? `${roots.slice(0, -1).join(', ')} or ${roots.at(-1)}` : (roots[0] ?? '');

/** The message of a malformed reference, as both workflow validation and trigger validation show it. */
export function malformedMessage(
  reference: string,
  reason: MalformedReason,
  roots: readonly string[],
): string {
  switch (reason.kind) {
    case 'unclosed':
      return `reference at "${reference}" has no closing }`;
    case 'no-root':
      return `reference ${reference} is malformed: it must start with ${listed(roots)}`;
    case 'unknown-root':
      return `reference ${reference} is malformed: unknown root "${reason.root}" (use ${listed(roots)})`;
    case 'expected-name':
      return `reference ${reference} is malformed: expected a name after "." at "${reason.rest}"`;
    case 'unexpected':
      return `reference ${reference} is malformed: unexpected "${reason.rest}"`;
    default:
      return assertNever(reason);
  }
}

/** Parses the inside of `${...}`. Throws the dialect's error when malformed. */
export function parsePathReference<Root extends string>(
  text: string,
  dialect: TemplateDialect<Root>,
): PathReference<Root> {
  const shown = `\${${text}}`;
  const fail = (reason: MalformedReason): never => {
    throw dialect.malformed(shown, reason);
  };
  const source = text.trim();
  const rootMatch = IDENTIFIER.exec(source);
  if (!rootMatch) return fail({ kind: 'no-root' });
  const root = rootMatch[0];
  if (!(dialect.roots as readonly string[]).includes(root)) return fail({ kind: 'unknown-root', root });
  const path: PathSegment[] = [];
  let rest = source.slice(root.length);
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const name = IDENTIFIER.exec(rest.slice(1));
      if (!name) return fail({ kind: 'expected-name', rest });
      path.push(name[0]);
      rest = rest.slice(1 + name[0].length);
      continue;
    }
    const index = /^\[(\d+)\]/.exec(rest);
    if (index?.[1] !== undefined) {
      path.push(Number(index[1]));
      rest = rest.slice(index[0].length);
      continue;
    }
    const key = /^\[(?:'([^']*)'|"([^"]*)")\]/.exec(rest);
    if (key) {
      path.push(key[1] ?? key[2] ?? '');
      rest = rest.slice(key[0].length);
      continue;
    }
    return fail({ kind: 'unexpected', rest });
  }
  return { text, root: root as Root, path };
}

/** Splits a string into literal text and references. Throws the dialect's error when malformed. */
export function parseTemplateParts<Root extends string>(
  template: string,
  dialect: TemplateDialect<Root>,
): TemplatePart<Root>[] {
  const parts: TemplatePart<Root>[] = [];
  let text = '';
  let position = 0;
  while (position < template.length) {
    if (template.startsWith('$${', position)) {
      text += '${';
      position += 3;
      continue;
    }
    if (template.startsWith('${', position)) {
      const end = template.indexOf('}', position + 2);
      if (end < 0) throw dialect.malformed(template.slice(position), { kind: 'unclosed' });
      if (text) parts.push({ kind: 'text', text });
      text = '';
      parts.push({
        kind: 'reference',
        reference: parsePathReference(template.slice(position + 2, end), dialect),
      });
      position = end + 1;
      continue;
    }
    text += template[position];
    position += 1;
  }
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

/**
 * Walks `path` from `start` (named `root` in the reasons), over own keys only, so a path never
 * reaches the prototype chain. `walked` ends with the segment that found nothing.
 */
export function walkPath(start: unknown, root: string, path: readonly PathSegment[]): WalkResult {
  let current = start;
  let where = root;
  const walked: PathSegment[] = [];
  const missing = (why: string): WalkResult => ({ found: false, why, walked });
  for (const segment of path) {
    walked.push(segment);
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return missing(`${where} is not a list`);
      if (segment >= current.length)
        return missing(`${where} has ${current.length} items, no index ${segment}`);
      current = current[segment];
      where = `${where}[${segment}]`;
      continue;
    }
    if (!isPlainObject(current)) return missing(`${where} is ${describe(current)}, not an object`);
    if (!Object.hasOwn(current, segment)) return missing(`${where} has no key "${segment}"`);
    current = current[segment];
    where = `${where}.${segment}`;
  }
  return { found: true, value: current };
}

/** Finds a reference's value; throws (the caller's error) when it is missing. */
export type ReferenceLookup<Root extends string> = (reference: PathReference<Root>) => unknown;

/**
 * Resolves every reference in a JSON value (strings, arrays and objects, recursively; keys are
 * not templated). Throws the first error of parsing or of `lookup`.
 */
export function resolveReferences<Root extends string>(
  value: unknown,
  dialect: TemplateDialect<Root>,
  lookup: ReferenceLookup<Root>,
): unknown {
  if (typeof value === 'string') {
    const parts = parseTemplateParts(value, dialect);
    const [only] = parts;
    if (parts.length === 1 && only?.kind === 'reference') return lookup(only.reference);
    return interpolate(parts, lookup);
  }
  if (Array.isArray(value)) return value.map((entry) => resolveReferences(entry, dialect, lookup));
  if (isPlainObject(value)) {
    // fromEntries defines own properties, so a "__proto__" key stays data.
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [key, resolveReferences(entry, dialect, lookup)]),
    );
  }
  return value;
}

/** Like resolveReferences for one string, always yielding text (objects JSON-encoded). */
export function renderReferences<Root extends string>(
  template: string,
  dialect: TemplateDialect<Root>,
  lookup: ReferenceLookup<Root>,
): string {
  return interpolate(parseTemplateParts(template, dialect), lookup);
}

/** Every string in a JSON value, with its RFC 6901 pointer under `prefix`. */
export function stringsIn(value: unknown, prefix = ''): { pointer: string; text: string }[] {
  if (typeof value === 'string') return [{ pointer: prefix, text: value }];
  if (Array.isArray(value)) return value.flatMap((entry, index) => stringsIn(entry, `${prefix}/${index}`));
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([key, entry]) => stringsIn(entry, toPointer([key], prefix)));
  }
  return [];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function interpolate<Root extends string>(
  parts: TemplatePart<Root>[],
  lookup: ReferenceLookup<Root>,
): string {
  return parts.map((part) => (part.kind === 'text' ? part.text : asText(lookup(part.reference)))).join('');
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? '';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
