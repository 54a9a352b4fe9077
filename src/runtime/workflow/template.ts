/**
 * `${...}` references in workflow values: a path walker over the scope, never code execution.
 *
 * A path is a root (`input`, `nodes`, `item`, `index`) followed by `.name`, `[n]` or `['key']`
 * segments: `${nodes.lookup.output.items[0].ip}`, `${input['user-agent']}`. A string that is
 * exactly one reference yields the referenced value as is (object, number…); any other string
 * interpolates (strings as is, other values JSON-encoded). `$${` writes a literal `${`.
 */

export const TEMPLATE_ROOTS = ['input', 'nodes', 'item', 'index'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

/** What references resolve against. `item` and `index` exist only inside a map node's body. */
export interface TemplateScope {
  input: unknown;
  nodes: Readonly<Record<string, { output: unknown }>>;
  item?: unknown;
  index?: number;
}

export type PathSegment = string | number;

export interface Reference {
  /** The text between `${` and `}`, e.g. `nodes.lookup.output.score`. */
  text: string;
  root: TemplateRoot;
  /** Segments after the root. */
  path: PathSegment[];
}

/** A reference that is malformed or points at nothing. `reference` is its text with `${}`. */
export class TemplateError extends Error {
  constructor(
    readonly reference: string,
    message: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*/;

/** Parses the inside of `${...}`. Throws TemplateError when malformed. */
export function parseReference(text: string): Reference {
  const shown = `\${${text}}`;
  const fail = (why: string): never => {
    throw new TemplateError(shown, `reference ${shown} is malformed: ${why}`);
  };
  const source = text.trim();
  const rootMatch = IDENTIFIER.exec(source);
  if (!rootMatch) return fail('it must start with input, nodes, item or index');
  const root = rootMatch[0];
  if (!(TEMPLATE_ROOTS as readonly string[]).includes(root)) {
    return fail(`unknown root "${root}" (use input, nodes, item or index)`);
  }
  const path: PathSegment[] = [];
  let rest = source.slice(root.length);
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const name = IDENTIFIER.exec(rest.slice(1));
      if (!name) return fail(`expected a name after "." at "${rest}"`);
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
    return fail(`unexpected "${rest}"`);
  }
  return { text, root: root as TemplateRoot, path };
}

type Part = { kind: 'text'; text: string } | { kind: 'reference'; reference: Reference };

/** Splits a string into literal text and references. Throws TemplateError when malformed. */
export function parseTemplate(template: string): Part[] {
  const parts: Part[] = [];
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
      if (end < 0) {
        throw new TemplateError(
          template.slice(position),
          `reference at "${template.slice(position)}" has no closing }`,
        );
      }
      if (text) parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'reference', reference: parseReference(template.slice(position + 2, end)) });
      position = end + 1;
      continue;
    }
    text += template[position];
    position += 1;
  }
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

/** Every reference in a JSON value, with the RFC 6901 pointer (relative) of the string holding it. */
export function referencesIn(value: unknown, pointer = ''): { pointer: string; reference: Reference }[] {
  if (typeof value === 'string') {
    return parseTemplate(value).flatMap((part) =>
      part.kind === 'reference' ? [{ pointer, reference: part.reference }] : [],
    );
  }
  if (Array.isArray(value))
    return value.flatMap((entry, index) => referencesIn(entry, `${pointer}/${index}`));
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([key, entry]) =>
      referencesIn(entry, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`),
    );
  }
  return [];
}

/** Looks a reference up in the scope. Throws TemplateError naming the reference when missing. */
export function lookup(reference: Reference, scope: TemplateScope): unknown {
  const shown = `\${${reference.text}}`;
  const missing = (why: string): never => {
    throw new TemplateError(shown, `reference ${shown} not found: ${why}`);
  };
  if ((reference.root === 'item' || reference.root === 'index') && scope.index === undefined) {
    return missing(`${reference.root} exists only inside a map node`);
  }
  let current: unknown = reference.root === 'nodes' ? scope.nodes : scope[reference.root];
  let where: string = reference.root;
  for (const [position, segment] of reference.path.entries()) {
    if (reference.root === 'nodes' && position === 0 && typeof segment === 'string') {
      if (!Object.hasOwn(scope.nodes, segment)) return missing(`node ${segment} has not run`);
    }
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
  return current;
}

/**
 * Resolves every reference in a JSON value (strings, arrays and objects, recursively; keys are
 * not templated). Throws TemplateError for the first malformed or missing reference.
 */
export function resolveTemplate(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') return resolveString(value, scope);
  if (Array.isArray(value)) return value.map((entry) => resolveTemplate(entry, scope));
  if (isPlainObject(value)) {
    // fromEntries defines own properties, so a "__proto__" key stays data.
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [key, resolveTemplate(entry, scope)]),
    );
  }
  return value;
}

/** Like resolveTemplate for one string, always yielding text (objects JSON-encoded). */
export function renderTemplate(template: string, scope: TemplateScope): string {
  return parseTemplate(template)
    .map((part) => (part.kind === 'text' ? part.text : asText(lookup(part.reference, scope))))
    .join('');
}

function resolveString(template: string, scope: TemplateScope): unknown {
  const parts = parseTemplate(template);
  const [only] = parts;
  if (parts.length === 1 && only?.kind === 'reference') return lookup(only.reference, scope);
  if (parts.length === 0) return '';
  return parts
    .map((part) => (part.kind === 'text' ? part.text : asText(lookup(part.reference, scope))))
    .join('');
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value) ?? '';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
