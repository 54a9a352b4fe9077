import { type Kysely, sql } from 'kysely';
import { type DB, TENANT_ROLE } from './schema.ts';

/** What repositories run their queries on: a connection inside a tenant-scoped transaction. */
export type Tx = Kysely<DB>;

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * Runs `fn` in one transaction scoped to a tenant: the session switches to the tenant role and
 * sets app.tenant_id for this transaction only (SET LOCAL semantics), so row-level security hides
 * every other tenant's rows even from a query that forgot its tenant filter. Both settings end
 * with the transaction; a pooled connection never leaks them. Commits if `fn` resolves, rolls
 * back and rethrows if it throws.
 *
 * BEGIN and the two settings go in one round trip (a simple-protocol batch, hence the quoted
 * literal rather than a parameter): a request's transaction costs one statement less.
 */
export async function inTenantTransaction<T>(
  db: Kysely<DB>,
  tenantId: string,
  fn: (trx: Tx) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  signal?.throwIfAborted();
  return db.connection().execute(async (connection) => {
    await sql
      .raw(
        `begin; select set_config('role', ${quote(TENANT_ROLE)}, true), set_config('app.tenant_id', ${quote(tenantId)}, true)`,
      )
      .execute(connection);
    let result: T;
    try {
      result = await fn(connection);
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
    await sql`commit`.execute(connection);
    return result;
  });
}
