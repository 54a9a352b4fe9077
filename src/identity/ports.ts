import type { PrincipalKind, Role } from '../contracts/index.ts';

export interface TenantRecord {
  id: string;
  name: string;
  displayName: string;
  createdAt: Date;
}

export interface PrincipalRecord {
  id: string;
  tenantId: string;
  name: string;
  kind: PrincipalKind;
  roles: Role[];
  /** Groups the principal belongs to; approval gates name them as `group:NAME`. */
  groups: string[];
  /** Highest sensitivity level of knowledge it may read: 1 public, 2 internal, 3 confidential. */
  clearance: number;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  principalId: string;
  principalName: string;
  name: string;
  /** The first characters of the key, for recognising it in lists. */
  prefix: string;
  /** SHA-256 of the whole key; the key itself is never stored. */
  keyHash: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface Page<C> {
  limit: number;
  after?: C | undefined;
}

/** Tenants themselves: platform-level, not inside any tenant's scope. */
export interface TenantStore {
  /** Throws ALREADY_EXISTS if the name is taken. */
  insert(tenant: TenantRecord): Promise<TenantRecord>;
  getByName(name: string): Promise<TenantRecord | null>;
  getById(id: string): Promise<TenantRecord | null>;
  list(page: Page<string>): Promise<TenantRecord[]>;
  /** Deletes the tenant and, by cascade, everything it owns. Returns false if it was absent. */
  delete(id: string): Promise<boolean>;
}

/** Users and service accounts of one tenant (inside a tenant transaction). */
export interface PrincipalStore {
  /** Throws ALREADY_EXISTS if the name is taken in the tenant. */
  insert(principal: PrincipalRecord): Promise<PrincipalRecord>;
  getByName(name: string): Promise<PrincipalRecord | null>;
  list(page: Page<string>): Promise<PrincipalRecord[]>;
  /** Returns null if absent. */
  update(
    id: string,
    changes: { roles?: Role[]; groups?: string[]; clearance?: number; disabled?: boolean },
  ): Promise<PrincipalRecord | null>;
  delete(id: string): Promise<boolean>;
}

/** API keys of one tenant (inside a tenant transaction). */
export interface ApiKeyStore {
  insert(key: Omit<ApiKeyRecord, 'principalName'>): Promise<ApiKeyRecord>;
  get(id: string): Promise<ApiKeyRecord | null>;
  /** Ordered by id (creation order). */
  list(page: Page<string>): Promise<ApiKeyRecord[]>;
  /** Sets revokedAt if not yet set; returns the key, or null if absent. */
  revoke(id: string, at: Date): Promise<ApiKeyRecord | null>;
  findByHash(keyHash: string): Promise<ApiKeyRecord | null>;
}

export interface IdentityStores {
  principals: PrincipalStore;
  apiKeys: ApiKeyStore;
}

/** Runs work in one tenant-scoped transaction. */
export interface IdentityTransactions {
  run<T>(tenantId: string, fn: (stores: IdentityStores) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface Credential {
  key: ApiKeyRecord;
  principal: PrincipalRecord;
  tenant: TenantRecord;
}

/** Authentication happens before the tenant is known, so this lookup is platform-level. */
export interface CredentialLookup {
  /** The key with that hash with its principal and tenant, or null. Revoked and expired keys are returned too. */
  findApiKey(keyHash: string): Promise<Credential | null>;
  /** Records use, at most once per `minIntervalMs` per key (to spare writes on every request). */
  touchApiKey(id: string, at: Date, minIntervalMs: number): Promise<void>;
}
