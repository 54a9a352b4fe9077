import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import { GatewayError } from '../gateway/index.ts';
import { toOpenAIError } from './openai-errors.ts';

describe('OpenAI error objects', () => {
  it('pins the status, type and code of every platform error code', () => {
    const table = Object.fromEntries(
      ERROR_CODES.map((code) => {
        const { status, body } = toOpenAIError(new AppError(code, 'x'), 'r1');
        return [code, `${status} ${body.error.type} ${body.error.code}`];
      }),
    );
    expect(table).toEqual({
      INVALID_REQUEST: '400 invalid_request_error invalid_value',
      MALFORMED_BODY: '400 invalid_request_error invalid_json',
      UNSUPPORTED_MEDIA_TYPE: '415 invalid_request_error invalid_value',
      PAYLOAD_TOO_LARGE: '413 invalid_request_error request_too_large',
      UNAUTHENTICATED: '401 authentication_error invalid_api_key',
      PERMISSION_DENIED: '403 permission_error permission_denied',
      NOT_FOUND: '404 not_found_error not_found',
      ROUTE_NOT_FOUND: '404 not_found_error not_found',
      SECRET_UNREADABLE: '500 api_error server_error',
      METHOD_NOT_ALLOWED: '405 invalid_request_error invalid_value',
      ALREADY_EXISTS: '409 invalid_request_error conflict',
      APPROVAL_REQUIRED: '403 permission_error permission_denied',
      CONFLICT: '409 invalid_request_error conflict',
      STALE_RESOURCE_VERSION: '409 invalid_request_error conflict',
      VERSION_IMMUTABLE: '409 invalid_request_error conflict',
      QUOTA_EXCEEDED: '429 rate_limit_error rate_limit_exceeded',
      RATE_LIMITED: '429 rate_limit_error rate_limit_exceeded',
      UPSTREAM_ERROR: '502 upstream_error upstream_error',
      UNAVAILABLE: '503 api_error server_error',
      INTERNAL: '500 api_error server_error',
    });
  });

  it('turns a field pointer into an OpenAI param', () => {
    const error = new AppError('INVALID_REQUEST', 'bad', {
      fieldErrors: [{ pointer: '/messages/0/content', detail: 'bad' }],
    });
    expect(toOpenAIError(error, 'r1').body.error.param).toBe('messages[0].content');
  });

  it('keeps a gateway error as it is and hides the details of unknown errors', () => {
    const upstream = new GatewayError(422, { message: 'nope', type: 'invalid_request_error', code: 'x' });
    expect(toOpenAIError(upstream, 'r1')).toEqual({
      status: 422,
      body: { error: { message: 'nope', type: 'invalid_request_error', param: null, code: 'x' } },
    });
    const unknown = toOpenAIError(new Error('secret connection string'), 'r9');
    expect(unknown.status).toBe(500);
    expect(unknown.body.error.message).not.toContain('secret');
    expect(unknown.body.error.message).toContain('r9');
  });
});
