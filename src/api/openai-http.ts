import { parseJson } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import { type GatewayCaller, GatewayError, type Served } from '../gateway/index.ts';
import type { Authenticator, Caller } from '../identity/index.ts';
import { toOpenAIError } from './openai-errors.ts';

/**
 * What every /v1 handler shares, whether it runs in Hono (`/v1/models`) or on the native lane
 * (`POST /v1/chat/completions`, `/v1/embeddings`): authorization, body parsing, the served-by
 * headers and OpenAI error responses.
 */

/** The permission every /v1 call needs. */
export const MODELS_PERMISSION = 'models:invoke';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/** Authenticates (API key or JWT) and checks `models:invoke`; throws AppError otherwise. */
export async function authorizeModelCall(
  authenticator: Authenticator,
  authorization: string | undefined,
): Promise<{ caller: Caller; gatewayCaller: GatewayCaller }> {
  const caller = await authenticator.authenticate(authorization);
  if (!caller.permissions.has(MODELS_PERMISSION))
    throw new AppError(
      'PERMISSION_DENIED',
      `${caller.principalName} (roles: ${caller.roles.join(', ') || 'none'}) lacks the permission ${MODELS_PERMISSION}`,
    );
  return { caller, gatewayCaller: { tenantId: caller.tenantId, principal: caller.principalName } };
}

/** A request body as JSON; an empty or unparsable body is a 400 `invalid_json`. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '')
    throw new GatewayError(400, {
      message: 'the request body is empty; send a JSON object',
      type: 'invalid_request_error',
      code: 'invalid_json',
    });
  const parsed = parseJson(text);
  if (!parsed.ok)
    throw new GatewayError(400, {
      message: `We could not parse the JSON body of your request: ${parsed.error}`,
      type: 'invalid_request_error',
      code: 'invalid_json',
    });
  return parsed.value;
}

/** `x-model-id`: the `backend/model` that answered; `x-cache`: hit-l1, hit-l2 or miss. */
export function servedHeaders(served: Served): Record<string, string> {
  return { 'x-model-id': served.model, ...(served.cache ? { 'x-cache': served.cache } : {}) };
}

/**
 * An error as the /v1 surface answers it: status, JSON body (an OpenAI error object, with
 * problem+json members beside it when the error carries them) and headers (`retry-after`; a 413
 * closes the connection, whose unread rest would poison keep-alive).
 */
export function openAIErrorParts(
  error: unknown,
  requestId: string,
): { status: number; body: Record<string, unknown>; headers: Record<string, string>; code: string | null } {
  const { status, body } = toOpenAIError(error, requestId);
  const retryAfter = error instanceof GatewayError ? error.retryAfterMs : undefined;
  const problem = error instanceof GatewayError ? error.problem : undefined;
  return {
    status,
    code: body.error.code,
    body: problem ? { ...problem, status, ...body } : body,
    headers: {
      'x-request-id': requestId,
      ...(retryAfter === undefined
        ? {}
        : { 'retry-after': String(Math.max(1, Math.ceil(retryAfter / 1000))) }),
      ...(problem ? { 'content-type': 'application/problem+json' } : {}),
      ...(status === 413 ? { connection: 'close' } : {}),
    },
  };
}

/** Whether an error is a server fault worth an error log (not the caller's, not an upstream's). */
export function isServerFault(status: number, error: unknown): boolean {
  return status >= 500 && !(error instanceof GatewayError);
}
