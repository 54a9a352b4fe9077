import { AppError } from '../core/index.ts';

/** True if a driver error is the unique violation (23505), optionally of one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** Runs an insert; a unique violation becomes ALREADY_EXISTS naming the object. */
export async function insertUnique<T>(what: string, name: string, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError('ALREADY_EXISTS', `${what} "${name}" already exists`, { cause: error });
    throw error;
  }
}

/** A compare-and-set write found another resource version than the caller read. */
export function staleVersion(what: string): AppError {
  return new AppError(
    'STALE_RESOURCE_VERSION',
    `the ${what} was changed by someone else since you read it; read it again and retry with the new ETag`,
  );
}
