import { parseJson } from '../contracts/index.ts';
import type { CallScope } from '../runtime/index.ts';
import { GatewayError } from './openai-wire.ts';

const MAX_MESSAGE_CHARS = 1_000;

function clip(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

const stringOrNull = (value: unknown) => (typeof value === 'string' ? value : null);
const codeOf = (value: unknown) => (typeof value === 'number' ? String(value) : stringOrNull(value));

/**
 * A non-2xx upstream answer as the caller's error. A 4xx is the caller's own fault (a bad
 * parameter, a context too long): it keeps its status and, when the body is an OpenAI error
 * object, its message, type, param and code. A 5xx (or anything else) becomes a 502: the backend
 * failed, which the caller can only retry.
 */
export function upstreamStatusError(backend: string, status: number, body: string): GatewayError {
  const json = parseJson(body);
  const error = json.ok ? field(json.value, 'error') : undefined;
  const message =
    stringOrNull(field(error, 'message')) ??
    stringOrNull(error) ??
    (json.ok
      ? (stringOrNull(field(json.value, 'message')) ?? stringOrNull(field(json.value, 'detail')))
      : null) ??
    (body.trim() || `upstream answered ${status}`);
  if (status >= 400 && status < 500)
    return new GatewayError(status, {
      message: clip(message),
      type: stringOrNull(field(error, 'type')) ?? 'invalid_request_error',
      param: stringOrNull(field(error, 'param')),
      code: codeOf(field(error, 'code')),
    });
  return new GatewayError(502, {
    message: clip(`model backend "${backend}" answered ${status}: ${message}`),
    type: 'upstream_error',
    code: 'upstream_error',
  });
}

/**
 * A failure to get an answer at all: the call's time limit (504), or the connection (502). Rethrows
 * the caller's own abort reason unchanged: nobody is left to answer.
 */
export function upstreamCallError(
  backend: string,
  error: unknown,
  call: CallScope,
  timeoutMs: number,
): unknown {
  if (error instanceof GatewayError) return error;
  if (call.callerAborted) return call.callerReason;
  if (call.timedOut)
    return new GatewayError(504, {
      message: `model backend "${backend}" did not answer within ${timeoutMs} ms`,
      type: 'timeout_error',
      code: 'upstream_timeout',
    });
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new GatewayError(
    502,
    {
      message: `cannot reach model backend "${backend}"${code ? ` (${code})` : ''}`,
      type: 'upstream_error',
      code: 'upstream_unreachable',
    },
    { cause: error },
  );
}

/** A 2xx answer the gateway cannot read. */
export function malformedUpstream(backend: string, problem: string): GatewayError {
  return new GatewayError(502, {
    message: clip(`model backend "${backend}" sent a malformed response: ${problem}`),
    type: 'upstream_error',
    code: 'upstream_malformed',
  });
}
