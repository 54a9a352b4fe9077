import { AppError } from '../core/index.ts';

/** The ETag of a resource version: a quoted decimal, e.g. "3". */
export const etagOf = (resourceVersion: number): string => `"${resourceVersion}"`;

/**
 * The resource version an If-Match header demands: undefined when absent or `*` (any version).
 * Accepts strong and weak forms (`"3"`, `W/"3"`). Throws INVALID_REQUEST on anything else.
 */
export function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(ifMatch);
  if (!match) {
    throw new AppError('INVALID_REQUEST', 'If-Match must be an ETag this server issued, such as "3"', {
      fieldErrors: [{ pointer: '/headers/if-match', detail: 'not an ETag of this server' }],
    });
  }
  return Number(match[1]);
}

/** Throws STALE_RESOURCE_VERSION if the caller's If-Match does not name the current version. */
export function checkIfMatch(expected: number | undefined, current: number, what: string): void {
  if (expected !== undefined && expected !== current) {
    throw new AppError(
      'STALE_RESOURCE_VERSION',
      `the ${what} is at version ${current}, not ${expected}: someone changed it since you read it`,
      { details: { currentVersion: current } },
    );
  }
}
