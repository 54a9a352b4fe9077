import { ERROR_TABLE, PROBLEM_TYPE_BASE, type Problem } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The one mapping from errors to RFC 9457 bodies. AppErrors keep their code and message; anything
 * else is an internal error whose details stay in the log, never in the response.
 */
export function toProblem(error: unknown, instance: string, requestId: string): Problem {
  if (error instanceof AppError) {
    const entry = ERROR_TABLE[error.code];
    return {
      type: PROBLEM_TYPE_BASE + error.code.toLowerCase().replaceAll('_', '-'),
      title: entry.title,
      status: entry.status,
      detail: error.message,
      code: error.code,
      instance,
      requestId,
      ...(error.fieldErrors && error.fieldErrors.length > 0 ? { errors: error.fieldErrors } : {}),
    };
  }
  const entry = ERROR_TABLE.INTERNAL;
  return {
    type: `${PROBLEM_TYPE_BASE}internal`,
    title: entry.title,
    status: entry.status,
    detail: `internal error; quote request id ${requestId} when reporting it`,
    code: 'INTERNAL',
    instance,
    requestId,
  };
}
