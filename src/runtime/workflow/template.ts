/**
 * `${...}` references in workflow values, over the roots `input`, `nodes`, `item` and `index`:
 * `${nodes.lookup.output.items[0].ip}`, `${input['user-agent']}`. The syntax, the path walker and
 * the "one reference yields the value as is, anything else interpolates" rule live in core's
 * template-paths; this layer names the roots, the scope and the errors.
 */

import {
  malformedMessage,
  type PathReference,
  type PathSegment,
  parsePathReference,
  parseTemplateParts,
  renderReferences,
  resolveReferences,
  stringsIn,
  type TemplateDialect,
  type TemplatePart,
  walkPath,
} from '../../core/index.ts';

export const TEMPLATE_ROOTS = ['input', 'nodes', 'item', 'index'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

/** What references resolve against. `item` and `index` exist only inside a map node's body. */
export interface TemplateScope {
  input: unknown;
  nodes: Readonly<Record<string, { output: unknown }>>;
  item?: unknown;
  index?: number;
}

export type { PathSegment };

export type Reference = PathReference<TemplateRoot>;

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

const DIALECT: TemplateDialect<TemplateRoot> = {
  roots: TEMPLATE_ROOTS,
  malformed: (reference, reason) =>
    new TemplateError(reference, malformedMessage(reference, reason, TEMPLATE_ROOTS)),
};

/** Parses the inside of `${...}`. Throws TemplateError when malformed. */
export function parseReference(text: string): Reference {
  return parsePathReference(text, DIALECT);
}

/** Splits a string into literal text and references. Throws TemplateError when malformed. */
export function parseTemplate(template: string): TemplatePart<TemplateRoot>[] {
  return parseTemplateParts(template, DIALECT);
}

/** Every reference in a JSON value, with the RFC 6901 pointer (relative) of the string holding it. */
export function referencesIn(value: unknown, pointer = ''): { pointer: string; reference: Reference }[] {
  return stringsIn(value, pointer).flatMap(({ pointer, text }) =>
    parseTemplate(text).flatMap((part) =>
      part.kind === 'reference' ? [{ pointer, reference: part.reference }] : [],
    ),
  );
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
  const [node] = reference.path;
  if (reference.root === 'nodes' && typeof node === 'string' && !Object.hasOwn(scope.nodes, node)) {
    return missing(`node ${node} has not run`);
  }
  const found = walkPath(scope[reference.root], reference.root, reference.path);
  return found.found ? found.value : missing(found.why);
}

/**
 * Resolves every reference in a JSON value (strings, arrays and objects, recursively; keys are
 * not templated). Throws TemplateError for the first malformed or missing reference.
 */
export function resolveTemplate(value: unknown, scope: TemplateScope): unknown {
  return resolveReferences(value, DIALECT, (reference) => lookup(reference, scope));
}

/** Like resolveTemplate for one string, always yielding text (objects JSON-encoded). */
export function renderTemplate(template: string, scope: TemplateScope): string {
  return renderReferences(template, DIALECT, (reference) => lookup(reference, scope));
}
