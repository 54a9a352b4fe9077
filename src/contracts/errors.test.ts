import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_TABLE } from './errors.ts';

describe('error table', () => {
  it('pins the HTTP status of every error code', () => {
    const statuses = Object.fromEntries(ERROR_CODES.map((code) => [code, ERROR_TABLE[code].status]));
    expect(statuses).toEqual({
      INVALID_REQUEST: 400,
      MALFORMED_BODY: 400,
      UNSUPPORTED_MEDIA_TYPE: 415,
      PAYLOAD_TOO_LARGE: 413,
      UNAUTHENTICATED: 401,
      PERMISSION_DENIED: 403,
      NOT_FOUND: 404,
      ROUTE_NOT_FOUND: 404,
      SECRET_UNREADABLE: 500,
      METHOD_NOT_ALLOWED: 405,
      ALREADY_EXISTS: 409,
      APPROVAL_REQUIRED: 403,
      CONFLICT: 409,
      STALE_RESOURCE_VERSION: 409,
      VERSION_IMMUTABLE: 409,
      QUOTA_EXCEEDED: 429,
      RATE_LIMITED: 429,
      UPSTREAM_ERROR: 502,
      UNAVAILABLE: 503,
      INTERNAL: 500,
    });
  });

  it('gives every code a title and a category', () => {
    for (const code of ERROR_CODES) {
      expect(ERROR_TABLE[code].title.length).toBeGreaterThan(0);
      expect(ERROR_TABLE[code].category.length).toBeGreaterThan(0);
    }
  });
});
