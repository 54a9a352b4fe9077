import { z } from 'zod';

/**
 * The OpenAI request bodies the gateway accepts, checked at the edge. Only what the gateway reads
 * or must refuse is constrained; every other field (sampling parameters, `response_format`,
 * `logprobs`, vendor extensions) passes through to the backend untouched.
 */

const TextPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const ContentPartSchema = z.union([TextPartSchema, z.looseObject({ type: z.string() })]);

export const ChatMessageInputSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).optional(),
  tool_calls: z
    .array(
      z.looseObject({
        id: z.string().optional(),
        type: z.string().optional(),
        function: z.looseObject({ name: z.string(), arguments: z.string() }),
      }),
    )
    .optional(),
});

export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1).max(512),
  messages: z.array(ChatMessageInputSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;
export type ChatMessageInput = z.infer<typeof ChatMessageInputSchema>;

export const EmbeddingsRequestSchema = z.looseObject({
  model: z.string().min(1).max(512),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int())).min(1),
  ]),
  dimensions: z.number().int().positive().nullish(),
  encoding_format: z.enum(['float', 'base64']).nullish(),
});
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequestSchema>;

/** `type` values of OpenAI error objects that the gateway emits. */
export const OPENAI_ERROR_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'rate_limit_error',
  'upstream_error',
  'timeout_error',
  'api_error',
] as const;
export type OpenAIErrorType = (typeof OPENAI_ERROR_TYPES)[number];

/** The wire error object: `{"error": {message, type, param, code}}`. */
export interface OpenAIErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/**
 * An error the /v1 surface answers as an OpenAI error object with `status`. Carries upstream 4xx
 * answers through with their own status, type and code, which the platform's error-code table
 * cannot express.
 */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  /** When the caller may try again (a 429's or 503's Retry-After), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /**
   * problem+json members (RFC 9457) answered beside `error`, for errors a platform client reads
   * too (a spent budget names the budget and when it resets).
   */
  readonly problem: Record<string, unknown> | undefined;

  constructor(
    status: number,
    error: { message: string; type: string; param?: string | null; code?: string | null },
    options?: { cause?: unknown; retryAfterMs?: number; problem?: Record<string, unknown> },
  ) {
    super(error.message, options);
    this.name = 'GatewayError';
    this.status = status;
    this.type = error.type;
    this.param = error.param ?? null;
    this.code = error.code ?? null;
    this.retryAfterMs = options?.retryAfterMs;
    this.problem = options?.problem;
  }

  toJSON(): { error: OpenAIErrorObject } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A zod issue path as OpenAI's `param`: `messages[0].content`. */
export function toParam(path: readonly PropertyKey[]): string | null {
  let param = '';
  for (const segment of path) {
    if (typeof segment === 'number') param += `[${segment}]`;
    else param += param === '' ? String(segment) : `.${String(segment)}`;
  }
  return param === '' ? null : param;
}

/** Validates a parsed body; throws a 400 GatewayError naming the first offending field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue ? toParam(issue.path) : null;
  throw new GatewayError(400, {
    message: issue ? `${param ?? 'body'}: ${issue.message}` : 'invalid request body',
    type: 'invalid_request_error',
    param,
    code:
      issue?.code === 'invalid_type' && issue.input === undefined
        ? 'missing_required_parameter'
        : 'invalid_value',
  });
}
