import { z } from 'zod';

/**
 * Stable error codes. They appear in every problem+json body (`code`) and never change meaning;
 * adding one is an API decision. The HTTP status of each lives in one table below.
 */
export const ERROR_CODES = [
  'INVALID_REQUEST',
  'MALFORMED_BODY',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'ALREADY_EXISTS',
  'CONFLICT',
  'STALE_RESOURCE_VERSION',
  'VERSION_IMMUTABLE',
  'QUOTA_EXCEEDED',
  'RATE_LIMITED',
  'UPSTREAM_ERROR',
  'UNAVAILABLE',
  'APPROVAL_REQUIRED',
  'SECRET_UNREADABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ERROR_CATEGORIES = [
  'invalid',
  'unauthenticated',
  'denied',
  'not_found',
  'conflict',
  'quota',
  'upstream',
  'unavailable',
  'internal',
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** The one table from code to category and HTTP status. A test pins it. */
export const ERROR_TABLE: Record<ErrorCode, { category: ErrorCategory; status: number; title: string }> = {
  INVALID_REQUEST: { category: 'invalid', status: 400, title: 'Invalid request' },
  MALFORMED_BODY: { category: 'invalid', status: 400, title: 'Malformed body' },
  UNSUPPORTED_MEDIA_TYPE: { category: 'invalid', status: 415, title: 'Unsupported media type' },
  PAYLOAD_TOO_LARGE: { category: 'invalid', status: 413, title: 'Payload too large' },
  UNAUTHENTICATED: { category: 'unauthenticated', status: 401, title: 'Unauthenticated' },
  PERMISSION_DENIED: { category: 'denied', status: 403, title: 'Permission denied' },
  NOT_FOUND: { category: 'not_found', status: 404, title: 'Not found' },
  ROUTE_NOT_FOUND: { category: 'not_found', status: 404, title: 'No such route' },
  METHOD_NOT_ALLOWED: { category: 'invalid', status: 405, title: 'Method not allowed' },
  ALREADY_EXISTS: { category: 'conflict', status: 409, title: 'Already exists' },
  CONFLICT: { category: 'conflict', status: 409, title: 'Conflict' },
  STALE_RESOURCE_VERSION: { category: 'conflict', status: 409, title: 'Stale resource version' },
  VERSION_IMMUTABLE: { category: 'conflict', status: 409, title: 'Version is immutable' },
  QUOTA_EXCEEDED: { category: 'quota', status: 429, title: 'Quota exceeded' },
  RATE_LIMITED: { category: 'quota', status: 429, title: 'Rate limited' },
  UPSTREAM_ERROR: { category: 'upstream', status: 502, title: 'Upstream error' },
  UNAVAILABLE: { category: 'unavailable', status: 503, title: 'Service unavailable' },
  APPROVAL_REQUIRED: { category: 'denied', status: 403, title: 'Approval required' },
  SECRET_UNREADABLE: { category: 'internal', status: 500, title: 'Secret unreadable' },
  INTERNAL: { category: 'internal', status: 500, title: 'Internal error' },
};

/** One field at fault: an RFC 6901 JSON pointer into the request body (or `query`/`params`). */
export const FieldErrorSchema = z.strictObject({
  pointer: z.string().describe('RFC 6901 JSON pointer of the field at fault, e.g. /spec/model/name'),
  detail: z.string(),
});
export type FieldError = z.infer<typeof FieldErrorSchema>;

/** RFC 9457 problem details, as every error response carries with `application/problem+json`. */
export const ProblemSchema = z
  .object({
    type: z.string().describe('A URI naming the problem type: https://agenticai.dev/problems/<code>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(ERROR_CODES),
    instance: z.string().optional().describe('The request path'),
    requestId: z.string().optional(),
    errors: z.array(FieldErrorSchema).optional().describe('Every invalid field, for validation errors'),
  })
  .describe('RFC 9457 problem details');
export type Problem = z.infer<typeof ProblemSchema>;

export const PROBLEM_TYPE_BASE = 'https://agenticai.dev/problems/';
