/**
 * `${...}` references of trigger mappings: the syntax of workflow templates over a delivery's
 * `payload` (its JSON body) and `headers` (lower-case names). A path walker, never code execution.
 *
 * A path is a root followed by `.name`, `[n]` or `['key']` segments: `${payload.alert.src_ip}`,
 * `${payload.hosts[0]}`, `${headers['x-request-id']}`. A string that is exactly one reference
 * yields the referenced value as is (object, number…); any other string interpolates (strings as
 * is, other values JSON-encoded). `$${` writes a literal `${`.
 */

export const MAPPING_ROOTS = ['payload', 'headers'] as const;
export type MappingRoot = (typeof MAPPING_ROOTS)[number];

/** What references resolve against. */
export interface MappingScope {
  payload: unknown;
  headers: Readonly<Record<string, string>>;
}

type Segment = string | number;

export interface Reference {
  /** As written, with `${}`. */
  shown: string;
  root: MappingRoot;
  path: Segment[];
}

/**
 * A reference that is malformed or points at nothing. `pointer` is the RFC 6901 pointer of the
 * missing value inside the payload (when the root is `payload`), for the problem's field error.
 */
export class MappingError extends Error {
  constructor(
    message: string,
    readonly reference: string,
    readonly pointer: string | null = null,
  ) {
    super(message);
    this.name = 'MappingError';
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*/;

function parseReference(text: string): Reference {
  const shown = `\${${text}}`;
  const fail = (why: string): never => {
    throw new MappingError(`reference ${shown} is malformed: ${why}`, shown);
  };
  const source = text.trim();
  const root = IDENTIFIER.exec(source)?.[0];
  if (!root || !(MAPPING_ROOTS as readonly string[]).includes(root))
    return fail(`it must start with ${MAPPING_ROOTS.join(' or ')}`);
  const path: Segment[] = [];
  let rest = source.slice(root.length);
  while (rest.length > 0) {
    const name = rest.startsWith('.') ? IDENTIFIER.exec(rest.slice(1)) : null;
    if (name) {
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
  return { shown, root: root as MappingRoot, path };
}

type Part = { kind: 'text'; text: string } | { kind: 'reference'; reference: Reference };

/** Splits a string into literal text and references. Throws MappingError when malformed. */
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
        const rest = template.slice(position);
        throw new MappingError(`reference at "${rest}" has no closing }`, rest);
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

const escapePointer = (segment: Segment) => String(segment).replaceAll('~', '~0').replaceAll('/', '~1');

/** Every malformed reference in a JSON value, with the pointer (under `prefix`) of its string. */
export function templateProblems(value: unknown, prefix: string): { pointer: string; detail: string }[] {
  if (typeof value === 'string') {
    try {
      parseTemplate(value);
      return [];
    } catch (error) {
      return [{ pointer: prefix, detail: (error as Error).message }];
    }
  }
  if (Array.isArray(value))
    return value.flatMap((entry, index) => templateProblems(entry, `${prefix}/${index}`));
  if (isPlainObject(value))
    return Object.entries(value).flatMap(([key, entry]) =>
      templateProblems(entry, `${prefix}/${escapePointer(key)}`),
    );
  return [];
}

/** The referenced value. Throws MappingError naming the reference (and the payload pointer) when missing. */
function lookup(reference: Reference, scope: MappingScope): unknown {
  let current: unknown = scope[reference.root];
  let where: string = reference.root;
  const walked: Segment[] = [];
  const missing = (why: string): never => {
    const pointer =
      reference.root === 'payload' ? walked.map((segment) => `/${escapePointer(segment)}`).join('') : null;
    throw new MappingError(`${reference.shown} not found: ${why}`, reference.shown, pointer);
  };
  for (const segment of reference.path) {
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
  return current;
}

/**
 * Resolves every reference in a JSON value (strings, arrays and objects, recursively; keys are
 * not templated). Throws MappingError for the first malformed or missing reference.
 */
export function resolveMapping(value: unknown, scope: MappingScope): unknown {
  if (typeof value === 'string') {
    const parts = parseTemplate(value);
    const [only] = parts;
    if (parts.length === 1 && only?.kind === 'reference') return lookup(only.reference, scope);
    return parts
      .map((part) => (part.kind === 'text' ? part.text : asText(lookup(part.reference, scope))))
      .join('');
  }
  if (Array.isArray(value)) return value.map((entry) => resolveMapping(entry, scope));
  if (isPlainObject(value))
    // fromEntries defines own properties, so a "__proto__" key stays data.
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [key, resolveMapping(entry, scope)]),
    );
  return value;
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

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
