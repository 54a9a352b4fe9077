export { API_KEY_PREFIX, generateApiKey, hashApiKey } from './api-keys.ts';
export { Authenticator, type AuthLogger, type JwtOptions } from './authenticator.ts';
export { BOOTSTRAP_PRINCIPAL, type BootstrapResult, bootstrapPlatform } from './bootstrap.ts';
export { CachedCredentialLookup, type CredentialCacheOptions } from './cached-credential-lookup.ts';
export { IdentityService, type PageRequest } from './identity-service.ts';
export { JoseJwtVerifier, type JwtVerifierOptions } from './jwt-verifier.ts';
export {
  type Caller,
  DEFAULT_CLEARANCE,
  PLATFORM_PERMISSIONS,
  permissionsOf,
  ROLE_PERMISSIONS,
} from './permissions.ts';
export type {
  ApiKeyRecord,
  ApiKeyStore,
  Credential,
  CredentialLookup,
  IdentityStores,
  IdentityTransactions,
  Page,
  PrincipalRecord,
  PrincipalStore,
  TenantRecord,
  TenantStore,
} from './ports.ts';
