import { ERROR_TABLE, type ErrorCategory } from '../contracts/index.ts';
import { AppError, assertNever } from '../core/index.ts';
import { GatewayError, type OpenAIErrorObject } from '../gateway/index.ts';

/** The OpenAI error `type` and default `code` for each platform error category: one table. */
function openAIKind(category: ErrorCategory): { type: string; code: string } {
  switch (category) {
    case 'invalid':
      return { type: 'invalid_request_error', code: 'invalid_value' };
    case 'unauthenticated':
      return { type: 'authentication_error', code: 'invalid_api_key' };
    case 'denied':
      return { type: 'permission_error', code: 'permission_denied' };
    case 'not_found':
      return { type: 'not_found_error', code: 'not_found' };
    case 'conflict':
      return { type: 'invalid_request_error', code: 'conflict' };
    case 'quota':
      return { type: 'rate_limit_error', code: 'rate_limit_exceeded' };
    case 'upstream':
      return { type: 'upstream_error', code: 'upstream_error' };
    case 'unavailable':
    case 'internal':
      return { type: 'api_error', code: 'server_error' };
    default:
      return assertNever(category);
  }
}

/** `/messages/0/content` → `messages[0].content`. */
function pointerToParam(pointer: string): string | null {
  let param = '';
  for (const segment of pointer.split('/').slice(1)) {
    if (/^\d+$/.test(segment)) param += `[${segment}]`;
    else param += param === '' ? segment : `.${segment}`;
  }
  return param === '' ? null : param;
}

/**
 * Any error as the /v1 surface answers it: an OpenAI error object and a status. Unknown errors are
 * a 500 with a generic message (the details stay in the log, under the request id).
 */
export function toOpenAIError(
  error: unknown,
  requestId: string,
): { status: number; body: { error: OpenAIErrorObject } } {
  if (error instanceof GatewayError) return { status: error.status, body: error.toJSON() };
  if (error instanceof AppError) {
    const kind = openAIKind(error.category);
    const pointer = error.fieldErrors?.[0]?.pointer;
    const code =
      error.code === 'PAYLOAD_TOO_LARGE'
        ? 'request_too_large'
        : error.code === 'MALFORMED_BODY'
          ? 'invalid_json'
          : kind.code;
    return {
      status: ERROR_TABLE[error.code].status,
      body: {
        error: {
          message: error.message,
          type: kind.type,
          param: pointer === undefined ? null : pointerToParam(pointer),
          code,
        },
      },
    };
  }
  return {
    status: 500,
    body: {
      error: {
        message: `internal error; quote request id ${requestId} when reporting it`,
        type: 'api_error',
        param: null,
        code: 'server_error',
      },
    },
  };
}
