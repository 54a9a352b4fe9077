import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { FieldError } from '../contracts/index.ts';

// ajv is CommonJS; its default export through ESM interop differs between loaders.
const require = createRequire(import.meta.url);
type ErrorObject = {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
};
type ValidateFunction = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
interface AjvInstance {
  compile(schema: object): ValidateFunction;
}
type AjvClass = new (options: object) => AjvInstance;
const Ajv2020 = (require('ajv/dist/2020') as { default: AjvClass }).default;
const Ajv07 = (require('ajv') as { default: AjvClass }).default;
const addFormats = (require('ajv-formats') as { default: (ajv: AjvInstance) => void }).default;

/** The seed's list form of a tool's parameters. */
export interface ParameterEntry {
  name: string;
  type: string;
  required?: boolean | undefined;
  default?: unknown;
  description?: string | undefined;
  enum?: unknown[] | undefined;
}

/** A tool's parameters as a JSON Schema object: the list form becomes properties + required. */
export function toJsonSchema(
  parameters: Record<string, unknown> | readonly ParameterEntry[] | undefined,
): Record<string, unknown> {
  if (parameters === undefined) return { type: 'object', properties: {} };
  if (!Array.isArray(parameters)) return parameters as Record<string, unknown>;
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const entry of parameters as readonly ParameterEntry[]) {
    properties[entry.name] = {
      type: entry.type,
      ...(entry.description ? { description: entry.description } : {}),
      ...(entry.default !== undefined ? { default: entry.default } : {}),
      ...(entry.enum ? { enum: entry.enum } : {}),
    };
    if (entry.required) required.push(entry.name);
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

const DRAFT_07 = /json-schema\.org\/draft-0[4-7]\/schema/;
const MAX_COMPILED = 2_000;

/**
 * Checks a call's arguments against its tool's JSON Schema (2020-12, or draft-07 where the schema
 * says so, as MCP servers often do). Compiled validators are kept by the schema's content, so a
 * tool's schema is compiled once per process.
 */
export class ArgumentValidator {
  readonly #modern: AjvInstance;
  readonly #draft07: AjvInstance;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor() {
    // Defaults fill in what the caller left out; unknown keywords (vendor extensions) are allowed.
    const options = { strict: false, allErrors: true, useDefaults: true, coerceTypes: false };
    this.#modern = new Ajv2020(options);
    this.#draft07 = new Ajv07(options);
    addFormats(this.#modern);
    addFormats(this.#draft07);
  }

  /** Problems with the schema itself ('' pointer when it does not compile), empty when usable. */
  check(schema: Record<string, unknown>): string | null {
    try {
      this.#validator(schema);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /**
   * Field errors of the arguments (pointers into them), empty when they conform. Fills in defaults
   * in place. Throws if the schema does not compile (a tool the server published broken).
   */
  validate(schema: Record<string, unknown>, args: Record<string, unknown>): FieldError[] {
    const validate = this.#validator(schema);
    if (validate(args)) return [];
    return (validate.errors ?? []).map((error) => ({
      pointer:
        error.keyword === 'required'
          ? `${error.instancePath}/${String(error.params.missingProperty)}`
          : error.keyword === 'additionalProperties'
            ? `${error.instancePath}/${String(error.params.additionalProperty)}`
            : error.instancePath,
      detail:
        error.keyword === 'additionalProperties'
          ? 'is not an argument of this tool'
          : (error.message ?? 'is invalid'),
    }));
  }

  #validator(schema: Record<string, unknown>): ValidateFunction {
    const text = JSON.stringify(schema);
    const key = createHash('sha256').update(text).digest('hex');
    let validate = this.#compiled.get(key);
    if (!validate) {
      const draft07 = typeof schema.$schema === 'string' && DRAFT_07.test(schema.$schema);
      // A fresh copy each time: ajv keeps what it compiled, keyed by $id, across calls.
      const { $id: _id, ...rest } = structuredClone(schema);
      validate = (draft07 ? this.#draft07 : this.#modern).compile(rest);
      if (this.#compiled.size >= MAX_COMPILED) this.#compiled.clear();
      this.#compiled.set(key, validate);
    }
    return validate;
  }
}
