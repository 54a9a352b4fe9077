/**
 * `${...}` references of trigger mappings: the syntax of workflow templates over a delivery's
 * `payload` (its JSON body) and `headers` (lower-case names): `${payload.alert.src_ip}`,
 * `${payload.hosts[0]}`, `${headers['x-request-id']}`. The syntax, the path walker and the "one
 * reference yields the value as is, anything else interpolates" rule live in core's
 * template-paths; this layer names the roots, the scope and the errors.
 */

import {
  isPlainObject,
  type MalformedReason,
  malformedMessage,
  type PathReference,
  parseTemplateParts,
  resolveReferences,
  stringsIn,
  type TemplateDialect,
  type TemplatePart,
  toPointer,
  walkPath,
} from '../core/index.ts';

export { isPlainObject };

export const MAPPING_ROOTS = ['payload', 'headers'] as const;
export type MappingRoot = (typeof MAPPING_ROOTS)[number];

/** What references resolve against. */
export interface MappingScope {
  payload: unknown;
  headers: Readonly<Record<string, string>>;
}

export type Reference = PathReference<MappingRoot>;

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

/** Mappings have always reported a bad root and a `.` without a name more plainly than workflows. */
function plainer(reason: MalformedReason): MalformedReason {
  if (reason.kind === 'unknown-root') return { kind: 'no-root' };
  if (reason.kind === 'expected-name') return { kind: 'unexpected', rest: reason.rest };
  return reason;
}

const DIALECT: TemplateDialect<MappingRoot> = {
  roots: MAPPING_ROOTS,
  malformed: (reference, reason) =>
    new MappingError(malformedMessage(reference, plainer(reason), MAPPING_ROOTS), reference),
};

/** Splits a string into literal text and references. Throws MappingError when malformed. */
export function parseTemplate(template: string): TemplatePart<MappingRoot>[] {
  return parseTemplateParts(template, DIALECT);
}

/** Every malformed reference in a JSON value, with the pointer (under `prefix`) of its string. */
export function templateProblems(value: unknown, prefix: string): { pointer: string; detail: string }[] {
  return stringsIn(value, prefix).flatMap(({ pointer, text }) => {
    try {
      parseTemplate(text);
      return [];
    } catch (error) {
      return [{ pointer, detail: (error as Error).message }];
    }
  });
}

/** The referenced value. Throws MappingError naming the reference (and the payload pointer) when missing. */
function lookup(reference: Reference, scope: MappingScope): unknown {
  const found = walkPath(scope[reference.root], reference.root, reference.path);
  if (found.found) return found.value;
  const shown = `\${${reference.text}}`;
  const pointer = reference.root === 'payload' ? toPointer(found.walked) : null;
  throw new MappingError(`${shown} not found: ${found.why}`, shown, pointer);
}

/**
 * Resolves every reference in a JSON value (strings, arrays and objects, recursively; keys are
 * not templated). Throws MappingError for the first malformed or missing reference.
 */
export function resolveMapping(value: unknown, scope: MappingScope): unknown {
  return resolveReferences(value, DIALECT, (reference) => lookup(reference, scope));
}
