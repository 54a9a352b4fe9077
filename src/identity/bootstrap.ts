import { PLATFORM_TENANT } from '../contracts/index.ts';
import { AppError, type Clock, type IdGenerator } from '../core/index.ts';
import { displayPrefix, generateApiKey, hashApiKey } from './api-keys.ts';
import type { CredentialLookup, IdentityTransactions, TenantRecord, TenantStore } from './ports.ts';

export const BOOTSTRAP_PRINCIPAL = 'admin';

export interface BootstrapResult {
  tenant: TenantRecord;
  /** A key this start created and nobody has seen yet; print it once. Absent otherwise. */
  generatedKey?: string;
  /** True when this start created the platform tenant (a fresh store). */
  freshStore: boolean;
}

export interface BootstrapDeps {
  tenants: TenantStore;
  transactions: IdentityTransactions;
  credentials: CredentialLookup;
  clock: Clock;
  ids: IdGenerator;
}

async function ensurePlatformTenant(
  deps: BootstrapDeps,
): Promise<{ tenant: TenantRecord; created: boolean }> {
  const existing = await deps.tenants.getByName(PLATFORM_TENANT);
  if (existing) return { tenant: existing, created: false };
  try {
    const tenant = await deps.tenants.insert({
      id: deps.ids.next(),
      name: PLATFORM_TENANT,
      displayName: 'Default (platform) tenant',
      createdAt: deps.clock.now(),
    });
    return { tenant, created: true };
  } catch (error) {
    // Another replica bootstrapped at the same moment: use its tenant.
    const raced = await deps.tenants.getByName(PLATFORM_TENANT);
    if (error instanceof AppError && error.code === 'ALREADY_EXISTS' && raced)
      return { tenant: raced, created: false };
    throw error;
  }
}

/**
 * Makes sure the platform tenant and its `admin` principal exist, and that an admin key exists:
 * the given one (AGENTICAI_BOOTSTRAP_ADMIN_KEY), stored by hash if new, or, on a store without any
 * admin key, a generated one returned once. Idempotent across restarts.
 */
export async function bootstrapPlatform(deps: BootstrapDeps, presetKey?: string): Promise<BootstrapResult> {
  // Replicas starting together race to create the same rows; the loser's insert fails on a unique
  // constraint, and a second pass finds what the winner wrote.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await bootstrapOnce(deps, presetKey);
    } catch (error) {
      const duplicate =
        (error instanceof AppError && error.code === 'ALREADY_EXISTS') ||
        (error as { code?: unknown }).code === '23505';
      if (!duplicate || attempt >= 3) throw error;
    }
  }
}

async function bootstrapOnce(deps: BootstrapDeps, presetKey?: string): Promise<BootstrapResult> {
  const { tenant, created } = await ensurePlatformTenant(deps);
  const now = deps.clock.now();
  if (presetKey) {
    const known = await deps.credentials.findApiKey(hashApiKey(presetKey));
    if (known && known.tenant.id !== tenant.id) {
      throw new AppError('CONFLICT', 'the bootstrap admin key belongs to another tenant');
    }
  }
  const generatedKey = await deps.transactions.run(tenant.id, async ({ principals, apiKeys }) => {
    let admin = await principals.getByName(BOOTSTRAP_PRINCIPAL);
    if (!admin) {
      admin = await principals.insert({
        id: deps.ids.next(),
        tenantId: tenant.id,
        name: BOOTSTRAP_PRINCIPAL,
        kind: 'user',
        roles: ['admin'],
        groups: [],
        clearance: 3,
        disabled: false,
        createdAt: now,
        updatedAt: now,
      });
    }
    const wanted =
      presetKey ?? ((await apiKeys.list({ limit: 1 })).length === 0 ? generateApiKey() : undefined);
    if (!wanted || (await apiKeys.findByHash(hashApiKey(wanted)))) return undefined;
    await apiKeys.insert({
      id: deps.ids.next(),
      tenantId: tenant.id,
      principalId: admin.id,
      name: presetKey ? 'bootstrap' : 'admin',
      prefix: displayPrefix(wanted),
      keyHash: hashApiKey(wanted),
      createdAt: now,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    return presetKey ? undefined : wanted;
  });
  return { tenant, freshStore: created, ...(generatedKey ? { generatedKey } : {}) };
}
