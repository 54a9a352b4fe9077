import { z } from 'zod';
import { type FieldError, parseJson } from '../contracts/index.ts';
import { AppError, fieldErrorsOf } from '../core/index.ts';
import type { ToolInvokeOptions, ToolResult } from '../runtime/index.ts';

/** Settings every built-in tool accepts in its reference's `config:`; tools extend it. */
export const BaseToolConfigSchema = z.strictObject({
  idempotent: z
    .boolean()
    .optional()
    .describe('Overrides whether a call is safe to repeat after a crash (with the same idempotency key)'),
  destructive: z
    .boolean()
    .optional()
    .describe('Marks calls as hard to undo: once a run is tainted by flagged content, they need an approval'),
});
export type BaseToolConfig = z.infer<typeof BaseToolConfigSchema>;

/**
 * A tool that runs inside the platform process. `run` validates its own arguments and config, so
 * a tool behaves the same whether the invoker or a test calls it.
 */
export interface BuiltinTool {
  readonly name: string;
  readonly description: string;
  /** JSON Schema (`type: 'object'`) of the arguments, derived from the zod schema `run` checks. */
  readonly parameters: Record<string, unknown>;
  /**
   * Whether every call may run again after a crash, before any reference overrides it with
   * `config.idempotent`. A tool whose answer depends on the call (http_request's method) says
   * false here and decides per call inside `run`.
   */
  readonly idempotent: boolean;
  /** Problems with a reference's `config`, pointers relative to it; empty when valid. */
  checkConfig(config: unknown): FieldError[];
  /**
   * Never throws for bad input or a tool-level failure: those return `isError: true` with a
   * message the model can act on. Throws the signal's reason when aborted, anything else only
   * for a bug.
   */
  run(args: unknown, options: ToolInvokeOptions): Promise<ToolResult>;
}

export interface BuiltinToolContext<Config> {
  signal: AbortSignal;
  idempotencyKey: string;
  config: Config;
  /** The calling tenant, when known (always, through the gateway). */
  tenantId: string | undefined;
  /** The run making the call; undefined for a direct call. */
  runId: string | undefined;
  /** The principal making a direct call; undefined for a run's call. */
  principal: string | undefined;
}

export interface BuiltinToolSpec<Args extends z.ZodType, Config extends z.ZodType<BaseToolConfig>> {
  name: string;
  description: string;
  /** Source of truth for validation and for the JSON Schema the model sees. */
  args: Args;
  config: Config;
  idempotent: boolean;
  run(args: z.output<Args>, context: BuiltinToolContext<z.output<Config>>): Promise<ToolResult>;
}

export function defineBuiltinTool<Args extends z.ZodType, Config extends z.ZodType<BaseToolConfig>>(
  spec: BuiltinToolSpec<Args, Config>,
): BuiltinTool {
  const parameters = toParameters(spec.name, spec.args);
  return {
    name: spec.name,
    description: spec.description,
    parameters,
    idempotent: spec.idempotent,
    checkConfig: (config) => {
      const parsed = spec.config.safeParse(config ?? {});
      return parsed.success ? [] : fieldErrorsOf(parsed.error);
    },
    async run(rawArgs, options) {
      const args = parseArguments(spec.args, rawArgs);
      if (!args.ok) return errorResult(`invalid arguments for ${spec.name}: ${args.problem}`);
      const config = spec.config.safeParse(options.config ?? {});
      if (!config.success) {
        return errorResult(
          `invalid config for ${spec.name}: ${describeFieldErrors(fieldErrorsOf(config.error))}`,
        );
      }
      options.signal.throwIfAborted();
      try {
        return await spec.run(args.value, {
          signal: options.signal,
          idempotencyKey: options.idempotencyKey,
          config: config.data,
          tenantId: options.tenantId,
          runId: options.runId,
          principal: options.principal,
        });
      } catch (error) {
        // Whatever the tool rejected with while being cancelled, callers see the abort reason.
        if (options.signal.aborted) throw options.signal.reason;
        throw error;
      }
    },
  };
}

export function textResult(text: string, structured?: unknown): ToolResult {
  return structured === undefined
    ? { content: [{ type: 'text', text }], isError: false }
    : { content: [{ type: 'text', text }], isError: false, structured };
}

export function errorResult(text: string, structured?: unknown): ToolResult {
  return structured === undefined
    ? { content: [{ type: 'text', text }], isError: true }
    : { content: [{ type: 'text', text }], isError: true, structured };
}

/** Field errors as one line: `/url: must be …; /seconds: Too big…`. */
export function describeFieldErrors(fieldErrors: readonly FieldError[]): string {
  return fieldErrors.map((error) => `${error.pointer || '/'}: ${error.detail}`).join('; ');
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Accepts the arguments object, or the JSON string a model's tool call carries. */
function parseArguments<S extends z.ZodType>(schema: S, raw: unknown): Parsed<z.output<S>> {
  let value = raw;
  if (typeof raw === 'string') {
    // Models send `""` for a call without arguments.
    const json = raw.trim() === '' ? { ok: true as const, value: {} } : parseJson(raw);
    if (!json.ok) return { ok: false, problem: `not valid JSON (${json.error})` };
    value = json.value;
  }
  const parsed = schema.safeParse(value ?? {});
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, problem: describeFieldErrors(fieldErrorsOf(parsed.error)) };
}

function toParameters(name: string, schema: z.ZodType): Record<string, unknown> {
  // `io: 'input'`: fields with defaults are optional for the caller.
  const { $schema: _dialect, ...parameters } = z.toJSONSchema(schema, { io: 'input' }) as Record<
    string,
    unknown
  >;
  if (parameters.type !== 'object')
    throw new AppError('INTERNAL', `tool "${name}": arguments must be an object schema`);
  return parameters;
}
