import type { Config } from '../config/index.ts';
import { CachedCredentialLookup, JoseJwtVerifier, type JwtOptions } from '../identity/index.ts';
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

/** Bearer JWTs from the configured OIDC issuer, if any. */
export function jwtOptions(config: Config): JwtOptions | undefined {
  if (!config.oidc) return undefined;
  return {
    verifier: new JoseJwtVerifier(config.oidc),
    tenantClaim: config.oidc.tenantClaim,
    rolesClaim: config.oidc.rolesClaim,
    defaultTenant: config.oidc.defaultTenant,
  };
}
