import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { PRINCIPAL_KINDS, ROLES } from '../contracts/index.ts';
import type {
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
} from '../identity/index.ts';
import { readJson } from './json-columns.ts';
import { insertUnique } from './pg-errors.ts';
import { channelsFor, notify } from './run-signals.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction, type Tx } from './tenant-scope.ts';

const KindSchema = z.enum(PRINCIPAL_KINDS);
const RoleListSchema = z.array(z.enum(ROLES));

type TenantRow = { id: string; name: string; display_name: string; created_at: Date };
type PrincipalRow = {
  id: string;
  tenant_id: string;
  name: string;
  kind: string;
  roles: string[];
  groups: string[];
  clearance: number;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
};
type ApiKeyRow = {
  id: string;
  tenant_id: string;
  principal_id: string;
  principal_name: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

const toTenant = (row: TenantRow): TenantRecord => ({
  id: row.id,
  name: row.name,
  displayName: row.display_name,
  createdAt: row.created_at,
});

const toPrincipal = (row: PrincipalRow): PrincipalRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  kind: readJson(KindSchema, row.kind, 'principal kind'),
  roles: readJson(RoleListSchema, row.roles, 'principal roles'),
  groups: row.groups,
  clearance: row.clearance,
  disabled: row.disabled,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toApiKey = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  principalId: row.principal_id,
  principalName: row.principal_name,
  name: row.name,
  prefix: row.prefix,
  keyHash: row.key_hash,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

/** Tenants (platform-level). */
export class SqlTenantStore implements TenantStore {
  readonly #channel: string;

  constructor(
    private readonly db: Kysely<DB>,
    schema = 'public',
  ) {
    this.#channel = channelsFor(schema).identity;
  }

  async insert(tenant: TenantRecord): Promise<TenantRecord> {
    const row = await insertUnique('tenant', tenant.name, () =>
      this.db
        .insertInto('tenants')
        .values({
          id: tenant.id,
          name: tenant.name,
          display_name: tenant.displayName,
          created_at: tenant.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toTenant(row);
  }

  async getByName(name: string): Promise<TenantRecord | null> {
    const row = await this.db.selectFrom('tenants').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toTenant(row) : null;
  }

  async getById(id: string): Promise<TenantRecord | null> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toTenant(row) : null;
  }

  async list(page: Page<string>): Promise<TenantRecord[]> {
    let query = this.db.selectFrom('tenants').selectAll().orderBy('name').limit(page.limit);
    if (page.after !== undefined) query = query.where('name', '>', page.after);
    return (await query.execute()).map(toTenant);
  }

  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('tenants').where('id', '=', id).executeTakeFirst();
      if (result.numDeletedRows > 0n) await notify(trx, this.#channel, id);
      return result.numDeletedRows > 0n;
    });
  }
}

class SqlPrincipalStore implements PrincipalStore {
  constructor(
    private readonly trx: Tx,
    private readonly tenantId: string,
    private readonly channel: string,
  ) {}

  async insert(principal: PrincipalRecord): Promise<PrincipalRecord> {
    const row = await insertUnique('principal', principal.name, () =>
      this.trx
        .insertInto('principals')
        .values({
          id: principal.id,
          tenant_id: this.tenantId,
          name: principal.name,
          kind: principal.kind,
          roles: principal.roles,
          groups: principal.groups,
          clearance: principal.clearance,
          disabled: principal.disabled,
          created_at: principal.createdAt,
          updated_at: principal.updatedAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toPrincipal(row);
  }

  async getByName(name: string): Promise<PrincipalRecord | null> {
    const row = await this.trx
      .selectFrom('principals')
      .selectAll()
      .where('tenant_id', '=', this.tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toPrincipal(row) : null;
  }

  async list(page: Page<string>): Promise<PrincipalRecord[]> {
    let query = this.trx
      .selectFrom('principals')
      .selectAll()
      .where('tenant_id', '=', this.tenantId)
      .orderBy('name')
      .limit(page.limit);
    if (page.after !== undefined) query = query.where('name', '>', page.after);
    return (await query.execute()).map(toPrincipal);
  }

  async update(
    id: string,
    changes: { roles?: string[]; groups?: string[]; clearance?: number; disabled?: boolean },
  ): Promise<PrincipalRecord | null> {
    const row = await this.trx
      .updateTable('principals')
      .set({
        ...(changes.roles !== undefined ? { roles: changes.roles } : {}),
        ...(changes.groups !== undefined ? { groups: changes.groups } : {}),
        ...(changes.clearance !== undefined ? { clearance: changes.clearance } : {}),
        ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('tenant_id', '=', this.tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (row) await notify(this.trx, this.channel, this.tenantId);
    return row ? toPrincipal(row) : null;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.trx
      .deleteFrom('principals')
      .where('tenant_id', '=', this.tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numDeletedRows > 0n) await notify(this.trx, this.channel, this.tenantId);
    return result.numDeletedRows > 0n;
  }
}

class SqlApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly trx: Tx,
    private readonly tenantId: string,
    private readonly channel: string,
  ) {}

  private query() {
    return this.trx
      .selectFrom('api_keys as k')
      .innerJoin('principals as p', 'p.id', 'k.principal_id')
      .selectAll('k')
      .select('p.name as principal_name')
      .where('k.tenant_id', '=', this.tenantId);
  }

  async insert(key: Omit<ApiKeyRecord, 'principalName'>): Promise<ApiKeyRecord> {
    await this.trx
      .insertInto('api_keys')
      .values({
        id: key.id,
        tenant_id: this.tenantId,
        principal_id: key.principalId,
        name: key.name,
        prefix: key.prefix,
        key_hash: key.keyHash,
        created_at: key.createdAt,
        expires_at: key.expiresAt,
        last_used_at: key.lastUsedAt,
        revoked_at: key.revokedAt,
      })
      .execute();
    const stored = await this.get(key.id);
    if (!stored) throw new Error('inserted api key not readable');
    return stored;
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const row = await this.query().where('k.id', '=', id).executeTakeFirst();
    return row ? toApiKey(row) : null;
  }

  async list(page: Page<string>): Promise<ApiKeyRecord[]> {
    let query = this.query().orderBy('k.id').limit(page.limit);
    if (page.after !== undefined) query = query.where('k.id', '>', page.after);
    return (await query.execute()).map(toApiKey);
  }

  async revoke(id: string, at: Date): Promise<ApiKeyRecord | null> {
    await this.trx
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('tenant_id', '=', this.tenantId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    await notify(this.trx, this.channel, this.tenantId);
    return this.get(id);
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = await this.query().where('k.key_hash', '=', keyHash).executeTakeFirst();
    return row ? toApiKey(row) : null;
  }
}

/**
 * IdentityTransactions over one database. Revoking a key and changing or deleting a principal
 * notify the schema's identity channel with the tenant id, on commit: replicas drop what they
 * cached about that tenant's credentials.
 */
export class SqlIdentityTransactions implements IdentityTransactions {
  readonly #channel: string;

  constructor(
    private readonly db: Kysely<DB>,
    schema = 'public',
  ) {
    this.#channel = channelsFor(schema).identity;
  }

  run<T>(tenantId: string, fn: (stores: IdentityStores) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return inTenantTransaction(
      this.db,
      tenantId,
      (trx) =>
        fn({
          principals: new SqlPrincipalStore(trx, tenantId, this.#channel),
          apiKeys: new SqlApiKeyStore(trx, tenantId, this.#channel),
        }),
      signal,
    );
  }
}

/** The platform-level lookup behind authentication (runs as the owner: no tenant is known yet). */
export class SqlCredentialLookup implements CredentialLookup {
  constructor(private readonly db: Kysely<DB>) {}

  async findApiKey(keyHash: string): Promise<Credential | null> {
    const row = await this.db
      .selectFrom('api_keys as k')
      .innerJoin('principals as p', 'p.id', 'k.principal_id')
      .innerJoin('tenants as t', 't.id', 'k.tenant_id')
      .selectAll('k')
      .select([
        'p.name as principal_name',
        'p.kind as p_kind',
        'p.roles as p_roles',
        'p.groups as p_groups',
        'p.clearance as p_clearance',
        'p.disabled as p_disabled',
        'p.created_at as p_created_at',
        'p.updated_at as p_updated_at',
        't.name as t_name',
        't.display_name as t_display_name',
        't.created_at as t_created_at',
      ])
      .where('k.key_hash', '=', keyHash)
      .executeTakeFirst();
    if (!row) return null;
    return {
      key: toApiKey(row),
      principal: toPrincipal({
        id: row.principal_id,
        tenant_id: row.tenant_id,
        name: row.principal_name,
        kind: row.p_kind,
        roles: row.p_roles,
        groups: row.p_groups,
        clearance: row.p_clearance,
        disabled: row.p_disabled,
        created_at: row.p_created_at,
        updated_at: row.p_updated_at,
      }),
      tenant: toTenant({
        id: row.tenant_id,
        name: row.t_name,
        display_name: row.t_display_name,
        created_at: row.t_created_at,
      }),
    };
  }

  async touchApiKey(id: string, at: Date, minIntervalMs: number): Promise<void> {
    const threshold = new Date(at.getTime() - minIntervalMs);
    await this.db
      .updateTable('api_keys')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', threshold)]))
      .execute();
  }
}
