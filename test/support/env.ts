/**
 * Which real servers the suite runs against. Unset: PGlite and the in-process cache (npm test).
 * `npm run test:integration` sets both, so the same tests run against PostgreSQL and Redis.
 */
export const TEST_DATABASE_URL = process.env.AGENTICAI_TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.AGENTICAI_TEST_REDIS_URL || undefined;
export const STORE_KIND = TEST_DATABASE_URL ? 'postgres' : 'pglite';

export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
