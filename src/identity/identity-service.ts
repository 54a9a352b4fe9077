import {
  type ApiKey,
  type ApiKeyCreated,
  type Page,
  PLATFORM_TENANT,
  type Principal,
  type PrincipalKind,
  type Role,
  type Tenant,
} from '../contracts/index.ts';
import {
  AppError,
  type Clock,
  decodeCursor,
  encodeCursor,
  IdCursorSchema,
  type IdGenerator,
  NameCursorSchema,
  notFound,
} from '../core/index.ts';
import { displayPrefix, generateApiKey, hashApiKey } from './api-keys.ts';
import { type Caller, DEFAULT_CLEARANCE } from './permissions.ts';
import type {
  ApiKeyRecord,
  IdentityTransactions,
  PrincipalRecord,
  TenantRecord,
  TenantStore,
} from './ports.ts';

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

const toTenant = (t: TenantRecord): Tenant => ({
  id: t.id,
  name: t.name,
  displayName: t.displayName,
  createdAt: iso(t.createdAt),
});
const toPrincipal = (p: PrincipalRecord, tenant: string): Principal => ({
  id: p.id,
  tenant,
  name: p.name,
  kind: p.kind,
  roles: p.roles,
  groups: p.groups,
  clearance: p.clearance,
  disabled: p.disabled,
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
});
const toApiKey = (k: ApiKeyRecord, tenant: string): ApiKey => ({
  id: k.id,
  tenant,
  principal: k.principalName,
  name: k.name,
  prefix: k.prefix,
  createdAt: iso(k.createdAt),
  expiresAt: isoOrNull(k.expiresAt),
  lastUsedAt: isoOrNull(k.lastUsedAt),
  revokedAt: isoOrNull(k.revokedAt),
});

function page<T, R>(
  rows: T[],
  limit: number,
  map: (row: T) => R,
  key: (row: T) => Record<string, string>,
): Page<R> {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return { items: kept.map(map), nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/** Tenants, principals and API keys, as their admins manage them. */
export class IdentityService {
  constructor(
    private readonly tenants: TenantStore,
    private readonly transactions: IdentityTransactions,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    /**
     * Called after a committed change that may invalidate credentials (revocation, a principal
     * changed or deleted, a tenant deleted): this process's caches drop the tenant at once, before
     * the database's announcement reaches the other replicas.
     */
    private readonly credentialsChanged: (tenantId: string) => void = () => undefined,
  ) {}

  /**
   * The tenant an identity request acts on: the caller's own, or (platform admins only) the named
   * one. Another tenant is NOT_FOUND for everyone else, never PERMISSION_DENIED.
   */
  async targetTenant(caller: Caller, name: string | undefined): Promise<TenantRecord> {
    if (name === undefined || name === caller.tenantName) {
      return {
        id: caller.tenantId,
        name: caller.tenantName,
        displayName: caller.tenantName,
        createdAt: new Date(0),
      };
    }
    const tenant = caller.platformAdmin ? await this.tenants.getByName(name) : null;
    if (!tenant) throw notFound('tenant', name);
    return tenant;
  }

  async listTenants(caller: Caller, request: PageRequest): Promise<Page<Tenant>> {
    if (!caller.platformAdmin) {
      const own = await this.tenants.getById(caller.tenantId);
      return { items: own ? [toTenant(own)] : [], nextCursor: null };
    }
    const after = decodeCursor(request.cursor, NameCursorSchema)?.name;
    const rows = await this.tenants.list({ limit: request.limit + 1, after });
    return page(rows, request.limit, toTenant, (t) => ({ name: t.name }));
  }

  async getTenant(caller: Caller, name: string): Promise<Tenant> {
    const tenant =
      caller.platformAdmin || name === caller.tenantName ? await this.tenants.getByName(name) : null;
    if (!tenant) throw notFound('tenant', name);
    return toTenant(tenant);
  }

  async createTenant(name: string, displayName: string | undefined): Promise<Tenant> {
    const tenant = await this.tenants.insert({
      id: this.ids.next(),
      name,
      displayName: displayName ?? name,
      createdAt: this.clock.now(),
    });
    return toTenant(tenant);
  }

  async deleteTenant(name: string): Promise<void> {
    if (name === PLATFORM_TENANT)
      throw new AppError('CONFLICT', `the platform tenant "${PLATFORM_TENANT}" cannot be deleted`);
    const tenant = await this.tenants.getByName(name);
    if (!tenant || !(await this.tenants.delete(tenant.id))) throw notFound('tenant', name);
    this.credentialsChanged(tenant.id);
  }

  async listPrincipals(tenant: TenantRecord, request: PageRequest): Promise<Page<Principal>> {
    const after = decodeCursor(request.cursor, NameCursorSchema)?.name;
    const rows = await this.transactions.run(tenant.id, ({ principals }) =>
      principals.list({ limit: request.limit + 1, after }),
    );
    return page(
      rows,
      request.limit,
      (p) => toPrincipal(p, tenant.name),
      (p) => ({ name: p.name }),
    );
  }

  async getPrincipal(tenant: TenantRecord, name: string): Promise<Principal> {
    const found = await this.transactions.run(tenant.id, ({ principals }) => principals.getByName(name));
    if (!found) throw notFound('principal', name);
    return toPrincipal(found, tenant.name);
  }

  async createPrincipal(
    tenant: TenantRecord,
    input: {
      name: string;
      kind: PrincipalKind;
      roles: Role[];
      groups?: string[] | undefined;
      clearance?: number | undefined;
    },
  ): Promise<Principal> {
    const now = this.clock.now();
    const created = await this.transactions.run(tenant.id, ({ principals }) =>
      principals.insert({
        id: this.ids.next(),
        tenantId: tenant.id,
        name: input.name,
        kind: input.kind,
        roles: [...new Set(input.roles)],
        groups: [...new Set(input.groups ?? [])],
        clearance: input.clearance ?? DEFAULT_CLEARANCE,
        disabled: false,
        createdAt: now,
        updatedAt: now,
      }),
    );
    return toPrincipal(created, tenant.name);
  }

  async updatePrincipal(
    caller: Caller,
    tenant: TenantRecord,
    name: string,
    changes: {
      roles?: Role[] | undefined;
      groups?: string[] | undefined;
      clearance?: number | undefined;
      disabled?: boolean | undefined;
    },
  ): Promise<Principal> {
    const updated = await this.transactions.run(tenant.id, async ({ principals }) => {
      const found = await principals.getByName(name);
      if (!found) throw notFound('principal', name);
      if (
        found.id === caller.principalId &&
        (changes.disabled || (changes.roles && !changes.roles.includes('admin')))
      ) {
        throw new AppError('CONFLICT', 'you cannot disable yourself or drop your own admin role');
      }
      return principals.update(found.id, {
        ...(changes.roles ? { roles: [...new Set(changes.roles)] } : {}),
        ...(changes.groups ? { groups: [...new Set(changes.groups)] } : {}),
        ...(changes.clearance !== undefined ? { clearance: changes.clearance } : {}),
        ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
      });
    });
    if (!updated) throw notFound('principal', name);
    this.credentialsChanged(tenant.id);
    return toPrincipal(updated, tenant.name);
  }

  async deletePrincipal(caller: Caller, tenant: TenantRecord, name: string): Promise<void> {
    await this.transactions.run(tenant.id, async ({ principals }) => {
      const found = await principals.getByName(name);
      if (!found) throw notFound('principal', name);
      if (found.id === caller.principalId) throw new AppError('CONFLICT', 'you cannot delete yourself');
      await principals.delete(found.id);
    });
    this.credentialsChanged(tenant.id);
  }

  async listApiKeys(tenant: TenantRecord, request: PageRequest): Promise<Page<ApiKey>> {
    const after = decodeCursor(request.cursor, IdCursorSchema)?.id;
    const rows = await this.transactions.run(tenant.id, ({ apiKeys }) =>
      apiKeys.list({ limit: request.limit + 1, after }),
    );
    return page(
      rows,
      request.limit,
      (k) => toApiKey(k, tenant.name),
      (k) => ({ id: k.id }),
    );
  }

  async getApiKey(tenant: TenantRecord, id: string): Promise<ApiKey> {
    const found = await this.transactions.run(tenant.id, ({ apiKeys }) => apiKeys.get(id));
    if (!found) throw notFound('API key', id);
    return toApiKey(found, tenant.name);
  }

  /** Creates a key for a principal; the secret is in the result and nowhere else. */
  async createApiKey(
    tenant: TenantRecord,
    input: { principal: string; name?: string | undefined; expiresAt?: string | undefined },
    presetKey?: string,
  ): Promise<ApiKeyCreated> {
    const now = this.clock.now();
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= now) {
      throw new AppError('INVALID_REQUEST', 'expiresAt must be in the future', {
        fieldErrors: [{ pointer: '/expiresAt', detail: 'must be in the future' }],
      });
    }
    const key = presetKey ?? generateApiKey();
    const created = await this.transactions.run(tenant.id, async ({ principals, apiKeys }) => {
      const principal = await principals.getByName(input.principal);
      if (!principal) throw notFound('principal', input.principal);
      return apiKeys.insert({
        id: this.ids.next(),
        tenantId: tenant.id,
        principalId: principal.id,
        name: input.name ?? `${principal.name}-key`,
        prefix: displayPrefix(key),
        keyHash: hashApiKey(key),
        createdAt: now,
        expiresAt,
        lastUsedAt: null,
        revokedAt: null,
      });
    });
    return { ...toApiKey(created, tenant.name), key };
  }

  async revokeApiKey(tenant: TenantRecord, id: string): Promise<ApiKey> {
    const revoked = await this.transactions.run(tenant.id, ({ apiKeys }) =>
      apiKeys.revoke(id, this.clock.now()),
    );
    if (!revoked) throw notFound('API key', id);
    this.credentialsChanged(tenant.id);
    return toApiKey(revoked, tenant.name);
  }
}
