import { type Kysely, sql, type Transaction } from 'kysely';
import { type DB, TENANT_ROLE } from './schema.ts';

export type Tx = Transaction<DB>;

/**
 * Runs `fn` in one transaction scoped to a tenant: the session switches to the tenant role and
 * sets app.tenant_id for this transaction only (SET LOCAL semantics), so row-level security hides
 * every other tenant's rows even from a query that forgot its tenant filter. Both settings end
 * with the transaction; a pooled connection never leaks them.
 */
export async function inTenantTransaction<T>(
  db: Kysely<DB>,
  tenantId: string,
  fn: (trx: Tx) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  signal?.throwIfAborted();
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('role', ${TENANT_ROLE}, true), set_config('app.tenant_id', ${tenantId}, true)`.execute(
      trx,
    );
    return fn(trx);
  });
}
