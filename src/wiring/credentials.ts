import { CachedCredentialLookup } from '../identity/index.ts';
import { channelsFor, type Database, SqlCredentialLookup } from '../store/index.ts';

/**
 * API key lookups cached in process and dropped per tenant when the database announces a change
 * to that tenant's keys or principals (on commit, to every replica).
 */
export async function wireCredentials(database: Database): Promise<CachedCredentialLookup> {
  const credentials = new CachedCredentialLookup(new SqlCredentialLookup(database.db));
  await database.listen(channelsFor(database.schema).identity, (tenantId) =>
    credentials.invalidateTenant(tenantId),
  );
  return credentials;
}
