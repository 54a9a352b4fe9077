import { ERROR_TABLE, type ErrorCategory, type ErrorCode, type FieldError } from '../contracts/index.ts';

export interface AppErrorOptions {
  details?: Record<string, unknown>;
  fieldErrors?: FieldError[];
  cause?: unknown;
  isRetryable?: boolean;
}

/**
 * The one error type server components throw. `code` is stable and public; the API maps it to
 * problem+json once (api/problem.ts), the CLI to exit codes. `message` is safe to show a caller:
 * never put secrets or another tenant's data in it.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly fieldErrors: FieldError[] | undefined;
  readonly isRetryable: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.fieldErrors = options.fieldErrors;
    this.isRetryable = options.isRetryable ?? false;
  }

  get category(): ErrorCategory {
    return ERROR_TABLE[this.code].category;
  }
}

export const invalid = (message: string, fieldErrors?: FieldError[]) =>
  new AppError('INVALID_REQUEST', message, fieldErrors ? { fieldErrors } : {});
export const notFound = (what: string, name: string) =>
  new AppError('NOT_FOUND', `${what} "${name}" not found`);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const denied = (message: string) => new AppError('PERMISSION_DENIED', message);

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export function assertNever(value: never): never {
  throw new AppError('INTERNAL', `unexpected value ${JSON.stringify(value)}`);
}
