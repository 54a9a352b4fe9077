import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentSpec, AgentSpecSchema, type ModelBackendSpec } from '../contracts/index.ts';
import { AppError, uuidv7Ids } from '../core/index.ts';
import type { PrincipalRecord, TenantRecord } from '../identity/index.ts';
import type { AgentRecord, AgentVersionRecord, RegistryStores } from '../registry/index.ts';
import {
  type Database,
  type DB,
  inTenantTransaction,
  migrateToLatest,
  SqlCredentialLookup,
  SqlIdentityTransactions,
  SqlRegistryTransactions,
  SqlTenantStore,
} from './index.ts';

const AGENT_SPEC: AgentSpec = AgentSpecSchema.parse({
  model: { backend: 'local', name: 'test-model', temperature: 0 },
  systemPrompt: 'You are a test agent.',
  runtime: 'react',
});

const BACKEND_SPEC: ModelBackendSpec = {
  type: 'openai-compatible',
  endpoint: 'http://127.0.0.1:8000/v1',
  models: ['test-model'],
};

/** Lowercase letters and digits only, so names sort the same under every collation. */
const token = (): string => randomBytes(6).toString('hex');

/** Resolves to the AppError code a promise rejected with; fails the test if it resolved. */
async function errorCodeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (rejection: unknown) => rejection,
  );
  expect(error, 'expected the promise to reject').toBeInstanceOf(AppError);
  return (error as AppError).code;
}

/**
 * The conformance suite every database behind `Database` must pass: PGlite and PostgreSQL.
 * Tests isolate themselves with fresh tenants, so one database serves the whole suite.
 */
export function describeStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`store contract: ${name}`, () => {
    let database: Database;
    let db: Kysely<DB>;
    let tenants: SqlTenantStore;
    let identity: SqlIdentityTransactions;
    let registry: SqlRegistryTransactions;
    let credentials: SqlCredentialLookup;

    beforeAll(async () => {
      database = await open();
      db = database.db;
      await migrateToLatest(db, database.schema);
      tenants = new SqlTenantStore(db);
      identity = new SqlIdentityTransactions(db);
      registry = new SqlRegistryTransactions(db);
      credentials = new SqlCredentialLookup(db);
    });

    afterAll(async () => {
      await database?.close();
    });

    const freshTenant = (name = `tenant${token()}`): Promise<TenantRecord> =>
      tenants.insert({ id: uuidv7Ids.next(), name, displayName: `Tenant ${name}`, createdAt: new Date() });

    const principalRecord = (tenantId: string, name = `user${token()}`): PrincipalRecord => ({
      id: uuidv7Ids.next(),
      tenantId,
      name,
      kind: 'user',
      roles: ['developer'],
      groups: ['soc'],
      clearance: 2,
      disabled: false,
      createdAt: new Date(),
      updatedAt: new Date(),
    });

    const agentRecord = (
      name: string,
      labels: Record<string, string> = {},
    ): Omit<AgentRecord, 'resourceVersion' | 'updatedAt'> => ({
      id: uuidv7Ids.next(),
      name,
      labels,
      annotations: {},
      activeVersion: null,
      latestVersion: 1,
      createdAt: new Date(),
    });

    const versionRecord = (agentId: string, version: number, spec = AGENT_SPEC): AgentVersionRecord => ({
      agentId,
      version,
      status: 'draft',
      spec,
      specHash: `hash-${version}`,
      createdAt: new Date(),
      publishedAt: null,
      deprecatedAt: null,
    });

    /** An agent with one draft version, committed in its own transaction. */
    const createAgent = (
      tenantId: string,
      name: string,
      labels: Record<string, string> = {},
    ): Promise<AgentRecord> =>
      registry.run(tenantId, async ({ agents }) => {
        const agent = await agents.insert(agentRecord(name, labels));
        await agents.insertVersion(versionRecord(agent.id, 1));
        return agent;
      });

    const inRegistry = <T>(tenantId: string, fn: (stores: RegistryStores) => Promise<T>): Promise<T> =>
      registry.run(tenantId, fn);

    describe('tenants', () => {
      it('stores a tenant and finds it by name and by id', async () => {
        const tenant = await freshTenant();

        expect(await tenants.getByName(tenant.name)).toEqual(tenant);
        expect(await tenants.getById(tenant.id)).toEqual(tenant);
      });

      it('returns null for a tenant name or id that does not exist', async () => {
        expect(await tenants.getByName(`missing${token()}`)).toBeNull();
        expect(await tenants.getById(uuidv7Ids.next())).toBeNull();
      });

      it('rejects a second tenant with the same name as ALREADY_EXISTS', async () => {
        const tenant = await freshTenant();

        expect(await errorCodeOf(freshTenant(tenant.name))).toBe('ALREADY_EXISTS');
      });

      it('lists tenants ordered by name and pages with after', async () => {
        const prefix = `list${token()}`;
        for (const suffix of ['b', 'c', 'a']) await freshTenant(`${prefix}${suffix}`);

        const first = await tenants.list({ limit: 2, after: prefix });
        const second = await tenants.list({ limit: 1, after: first.at(-1)?.name });

        expect(first.map((t) => t.name)).toEqual([`${prefix}a`, `${prefix}b`]);
        expect(second.map((t) => t.name)).toEqual([`${prefix}c`]);
      });

      it('deletes a tenant with everything it owns and reports whether it existed', async () => {
        const tenant = await freshTenant();
        const agent = await createAgent(tenant.id, 'doomed');

        expect(await tenants.delete(tenant.id)).toBe(true);
        expect(await tenants.delete(tenant.id)).toBe(false);
        const versions = await db
          .selectFrom('agent_versions')
          .select('version')
          .where('agent_id', '=', agent.id)
          .execute();
        expect(versions).toEqual([]);
      });
    });

    describe('principals', () => {
      it('stores a principal and finds it by name', async () => {
        const tenant = await freshTenant();
        const principal = principalRecord(tenant.id);

        const stored = await identity.run(tenant.id, ({ principals }) => principals.insert(principal));
        const found = await identity.run(tenant.id, ({ principals }) => principals.getByName(principal.name));

        expect(stored).toEqual(principal);
        expect(found).toEqual(principal);
      });

      it('rejects a second principal with the same name in the tenant as ALREADY_EXISTS', async () => {
        const tenant = await freshTenant();
        const principal = principalRecord(tenant.id);
        await identity.run(tenant.id, ({ principals }) => principals.insert(principal));

        const duplicate = identity.run(tenant.id, ({ principals }) =>
          principals.insert(principalRecord(tenant.id, principal.name)),
        );

        expect(await errorCodeOf(duplicate)).toBe('ALREADY_EXISTS');
      });

      it('allows the same principal name in two tenants', async () => {
        const [a, b] = [await freshTenant(), await freshTenant()];

        await identity.run(a.id, ({ principals }) => principals.insert(principalRecord(a.id, 'alice')));
        await identity.run(b.id, ({ principals }) => principals.insert(principalRecord(b.id, 'alice')));

        const inB = await identity.run(b.id, ({ principals }) => principals.getByName('alice'));
        expect(inB?.tenantId).toBe(b.id);
      });

      it('lists principals ordered by name and pages with after', async () => {
        const tenant = await freshTenant();
        await identity.run(tenant.id, async ({ principals }) => {
          for (const name of ['carol', 'alice', 'bob'])
            await principals.insert(principalRecord(tenant.id, name));
        });

        const [first, second] = await identity.run(tenant.id, async ({ principals }) => [
          await principals.list({ limit: 2 }),
          await principals.list({ limit: 2, after: 'bob' }),
        ]);

        expect(first.map((p) => p.name)).toEqual(['alice', 'bob']);
        expect(second.map((p) => p.name)).toEqual(['carol']);
      });

      it('updates roles and disabled, and returns null for a principal that does not exist', async () => {
        const tenant = await freshTenant();
        const principal = principalRecord(tenant.id);
        await identity.run(tenant.id, ({ principals }) => principals.insert(principal));

        const updated = await identity.run(tenant.id, ({ principals }) =>
          principals.update(principal.id, {
            roles: ['admin', 'viewer'],
            groups: ['sre-leads'],
            disabled: true,
          }),
        );
        const missing = await identity.run(tenant.id, ({ principals }) =>
          principals.update(uuidv7Ids.next(), { disabled: true }),
        );

        expect(updated).toMatchObject({
          id: principal.id,
          roles: ['admin', 'viewer'],
          groups: ['sre-leads'],
          disabled: true,
        });
        expect(missing).toBeNull();
      });

      it('deletes a principal and reports whether it existed', async () => {
        const tenant = await freshTenant();
        const principal = principalRecord(tenant.id);
        await identity.run(tenant.id, ({ principals }) => principals.insert(principal));

        const first = await identity.run(tenant.id, ({ principals }) => principals.delete(principal.id));
        const second = await identity.run(tenant.id, ({ principals }) => principals.delete(principal.id));
        const found = await identity.run(tenant.id, ({ principals }) => principals.getByName(principal.name));

        expect([first, second, found]).toEqual([true, false, null]);
      });
    });

    describe('api keys', () => {
      const apiKeyRecord = (principal: PrincipalRecord, name = `key${token()}`) => ({
        id: uuidv7Ids.next(),
        tenantId: principal.tenantId,
        principalId: principal.id,
        name,
        prefix: 'ak_test',
        keyHash: randomBytes(32).toString('hex'),
        createdAt: new Date(),
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });

      async function tenantWithPrincipal(): Promise<{ tenant: TenantRecord; principal: PrincipalRecord }> {
        const tenant = await freshTenant();
        const principal = principalRecord(tenant.id);
        await identity.run(tenant.id, ({ principals }) => principals.insert(principal));
        return { tenant, principal };
      }

      it('stores a key with its principal name and finds it by id and by hash', async () => {
        const { tenant, principal } = await tenantWithPrincipal();
        const key = apiKeyRecord(principal);

        const stored = await identity.run(tenant.id, ({ apiKeys }) => apiKeys.insert(key));
        const [byId, byHash] = await identity.run(tenant.id, async ({ apiKeys }) => [
          await apiKeys.get(key.id),
          await apiKeys.findByHash(key.keyHash),
        ]);

        expect(stored).toEqual({ ...key, principalName: principal.name });
        expect(byId).toEqual(stored);
        expect(byHash).toEqual(stored);
      });

      it('returns null for a key id that does not exist', async () => {
        const { tenant } = await tenantWithPrincipal();

        expect(await identity.run(tenant.id, ({ apiKeys }) => apiKeys.get(uuidv7Ids.next()))).toBeNull();
      });

      it('lists keys in creation order and pages with after', async () => {
        const { tenant, principal } = await tenantWithPrincipal();
        const keys = [
          apiKeyRecord(principal, 'one'),
          apiKeyRecord(principal, 'two'),
          apiKeyRecord(principal),
        ];
        await identity.run(tenant.id, async ({ apiKeys }) => {
          for (const key of keys) await apiKeys.insert(key);
        });

        const [first, second] = await identity.run(tenant.id, async ({ apiKeys }) => {
          const page = await apiKeys.list({ limit: 2 });
          return [page, await apiKeys.list({ limit: 2, after: page.at(-1)?.id })];
        });

        expect(first.map((k) => k.id)).toEqual([keys[0]?.id, keys[1]?.id]);
        expect(second.map((k) => k.id)).toEqual([keys[2]?.id]);
      });

      it('keeps the first revocation time when a key is revoked twice', async () => {
        const { tenant, principal } = await tenantWithPrincipal();
        const key = apiKeyRecord(principal);
        await identity.run(tenant.id, ({ apiKeys }) => apiKeys.insert(key));
        const firstAt = new Date('2030-01-01T00:00:00.000Z');
        const secondAt = new Date('2030-01-02T00:00:00.000Z');

        const first = await identity.run(tenant.id, ({ apiKeys }) => apiKeys.revoke(key.id, firstAt));
        const second = await identity.run(tenant.id, ({ apiKeys }) => apiKeys.revoke(key.id, secondAt));
        const missing = await identity.run(tenant.id, ({ apiKeys }) =>
          apiKeys.revoke(uuidv7Ids.next(), secondAt),
        );

        expect(first?.revokedAt).toEqual(firstAt);
        expect(second?.revokedAt).toEqual(firstAt);
        expect(missing).toBeNull();
      });

      it('finds a key by hash with its principal and tenant before any tenant is known', async () => {
        const { tenant, principal } = await tenantWithPrincipal();
        const key = apiKeyRecord(principal);
        await identity.run(tenant.id, ({ apiKeys }) => apiKeys.insert(key));

        const credential = await credentials.findApiKey(key.keyHash);

        expect(credential).toEqual({
          key: { ...key, principalName: principal.name },
          principal,
          tenant,
        });
        expect(await credentials.findApiKey(randomBytes(32).toString('hex'))).toBeNull();
      });

      it('records key use only when the last recorded use is older than the interval', async () => {
        const { tenant, principal } = await tenantWithPrincipal();
        const key = apiKeyRecord(principal);
        await identity.run(tenant.id, ({ apiKeys }) => apiKeys.insert(key));
        const start = new Date('2030-01-01T00:00:00.000Z');
        const lastUsedAt = async () => (await credentials.findApiKey(key.keyHash))?.key.lastUsedAt;

        await credentials.touchApiKey(key.id, start, 60_000);
        expect(await lastUsedAt()).toEqual(start);

        await credentials.touchApiKey(key.id, new Date(start.getTime() + 30_000), 60_000);
        expect(await lastUsedAt()).toEqual(start);

        const later = new Date(start.getTime() + 61_000);
        await credentials.touchApiKey(key.id, later, 60_000);
        expect(await lastUsedAt()).toEqual(later);
      });
    });

    describe('agents', () => {
      it('stores an agent with a version and shows the latest version while none is active', async () => {
        const tenant = await freshTenant();
        const record = agentRecord('writer', { team: 'docs' });
        const draft = versionRecord(record.id, 1);

        const [agent, version] = await inRegistry(tenant.id, async ({ agents }) => [
          await agents.insert(record),
          await agents.insertVersion(draft),
        ]);
        const view = await inRegistry(tenant.id, ({ agents }) => agents.get('writer'));

        expect(agent).toEqual({ ...record, resourceVersion: 1, updatedAt: record.createdAt });
        expect(version).toEqual(draft);
        expect(view?.agent).toEqual(agent);
        expect(view?.shown).toMatchObject({ version: 1, status: 'draft', spec: AGENT_SPEC });
      });

      it('shows the active version rather than a newer draft', async () => {
        const tenant = await freshTenant();
        const agent = await createAgent(tenant.id, 'writer');
        const newerSpec = { ...AGENT_SPEC, systemPrompt: 'Newer prompt.' };

        await inRegistry(tenant.id, async ({ agents }) => {
          await agents.updateVersion(agent.id, 1, { status: 'published', publishedAt: new Date() });
          await agents.insertVersion(versionRecord(agent.id, 2, newerSpec));
          await agents.update(agent.id, { activeVersion: 1, latestVersion: 2 });
        });
        const view = await inRegistry(tenant.id, ({ agents }) => agents.get('writer', { lock: true }));

        expect(view?.agent).toMatchObject({ activeVersion: 1, latestVersion: 2 });
        expect(view?.shown).toMatchObject({ version: 1, status: 'published', spec: AGENT_SPEC });
      });

      it('returns null for an agent that does not exist', async () => {
        const tenant = await freshTenant();

        expect(await inRegistry(tenant.id, ({ agents }) => agents.get('nobody'))).toBeNull();
      });

      it('rejects a second agent with the same name in the tenant as ALREADY_EXISTS', async () => {
        const tenant = await freshTenant();
        await createAgent(tenant.id, 'writer');

        const duplicate = inRegistry(tenant.id, ({ agents }) => agents.insert(agentRecord('writer')));

        expect(await errorCodeOf(duplicate)).toBe('ALREADY_EXISTS');
      });

      it('lists agents ordered by name, pages with after and filters by all given labels', async () => {
        const tenant = await freshTenant();
        await createAgent(tenant.id, 'charlie', { team: 'a' });
        await createAgent(tenant.id, 'alpha', { team: 'a', tier: 'gold' });
        await createAgent(tenant.id, 'bravo', { team: 'b', tier: 'gold' });

        const names = (page: { agent: AgentRecord }[]) => page.map((view) => view.agent.name);
        const pages = await inRegistry(tenant.id, async ({ agents }) => ({
          first: await agents.list({ limit: 2 }),
          second: await agents.list({ limit: 2, after: 'bravo' }),
          teamA: await agents.list({ limit: 10 }, { team: 'a' }),
          teamAGold: await agents.list({ limit: 10 }, { team: 'a', tier: 'gold' }),
          none: await agents.list({ limit: 10 }, { team: 'c' }),
          emptyFilter: await agents.list({ limit: 10 }, {}),
        }));

        expect(names(pages.first)).toEqual(['alpha', 'bravo']);
        expect(names(pages.second)).toEqual(['charlie']);
        expect(names(pages.teamA)).toEqual(['alpha', 'charlie']);
        expect(names(pages.teamAGold)).toEqual(['alpha']);
        expect(names(pages.none)).toEqual([]);
        expect(names(pages.emptyFilter)).toEqual(['alpha', 'bravo', 'charlie']);
      });

      it('applies an update whose expected resource version matches and bumps the version', async () => {
        const tenant = await freshTenant();
        const agent = await createAgent(tenant.id, 'writer');

        const updated = await inRegistry(tenant.id, ({ agents }) =>
          agents.update(agent.id, { labels: { team: 'new' }, annotations: { note: 'x' } }, 1),
        );

        expect(updated).toMatchObject({
          resourceVersion: 2,
          labels: { team: 'new' },
          annotations: { note: 'x' },
        });
      });

      it('rejects an update with a stale resource version as STALE_RESOURCE_VERSION and keeps the row', async () => {
        const tenant = await freshTenant();
        const agent = await createAgent(tenant.id, 'writer', { team: 'old' });
        await inRegistry(tenant.id, ({ agents }) => agents.update(agent.id, { labels: { team: 'mid' } }, 1));

        const stale = inRegistry(tenant.id, ({ agents }) =>
          agents.update(agent.id, { labels: { team: 'x' } }, 1),
        );

        expect(await errorCodeOf(stale)).toBe('STALE_RESOURCE_VERSION');
        const view = await inRegistry(tenant.id, ({ agents }) => agents.get('writer'));
        expect(view?.agent).toMatchObject({ resourceVersion: 2, labels: { team: 'mid' } });
      });

      it('bumps the resource version on an update without an expected version', async () => {
        const tenant = await freshTenant();
        const agent = await createAgent(tenant.id, 'writer');

        const updated = await inRegistry(tenant.id, async ({ agents }) => {
          await agents.update(agent.id, { labels: { a: '1' } });
          return agents.update(agent.id, { labels: { a: '2' } });
        });

        expect(updated.resourceVersion).toBe(3);
      });

      it('lets exactly one of two concurrent compare-and-set updates win', async () => {
        const tenant = await freshTenant();
        const agent = await createAgent(tenant.id, 'contended');

        const outcomes = await Promise.allSettled(
          ['first', 'second'].map((writer) =>
            inRegistry(tenant.id, async ({ agents }) => {
              await agents.get('contended');
              return agents.update(agent.id, { labels: { writer } }, agent.resourceVersion);
            }),
          ),
        );

        const winners = outcomes.filter((o) => o.status === 'fulfilled');
        const losers = outcomes.filter((o) => o.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(1);
        expect(losers[0]?.reason).toMatchObject({ code: 'STALE_RESOURCE_VERSION' });
        const view = await inRegistry(tenant.id, ({ agents }) => agents.get('contended'));
        expect(view?.agent.resourceVersion).toBe(2);
        expect(view?.agent.labels).toEqual(winners[0]?.value.labels);
      });

      it('deletes an agent together with its versions', async () => {
        const tenant = await freshTenant();
        const agent = await createAgent(tenant.id, 'writer');
        await inRegistry(tenant.id, ({ agents }) => agents.insertVersion(versionRecord(agent.id, 2)));

        await inRegistry(tenant.id, ({ agents }) => agents.delete(agent.id, 1));

        const remaining = await inRegistry(tenant.id, async ({ agents }) => ({
          agent: await agents.get('writer'),
          versions: await agents.listVersions(agent.id, { limit: 10 }),
        }));
        expect(remaining).toEqual({ agent: null, versions: [] });
        const rows = await db
          .selectFrom('agent_versions')
          .select('version')
          .where('agent_id', '=', agent.id)
          .execute();
        expect(rows).toEqual([]);
      });

      it('rejects a delete with a stale resource version as STALE_RESOURCE_VERSION and keeps the agent', async () => {
        const tenant = await freshTenant();
        const agent = await createAgent(tenant.id, 'writer');

        const stale = inRegistry(tenant.id, ({ agents }) => agents.delete(agent.id, 7));

        expect(await errorCodeOf(stale)).toBe('STALE_RESOURCE_VERSION');
        expect(await inRegistry(tenant.id, ({ agents }) => agents.get('writer'))).not.toBeNull();
      });

      it('updates a version in place and rejects an update of a missing version as NOT_FOUND', async () => {
        const tenant = await freshTenant();
        const agent = await createAgent(tenant.id, 'writer');
        const publishedAt = new Date('2030-01-01T00:00:00.000Z');
        const spec = { ...AGENT_SPEC, systemPrompt: 'Changed.' };

        const updated = await inRegistry(tenant.id, ({ agents }) =>
          agents.updateVersion(agent.id, 1, { status: 'published', publishedAt, spec, specHash: 'changed' }),
        );
        const reread = await inRegistry(tenant.id, ({ agents }) => agents.getVersion(agent.id, 1));
        const missing = inRegistry(tenant.id, ({ agents }) =>
          agents.updateVersion(agent.id, 9, { status: 'deprecated' }),
        );

        expect(updated).toMatchObject({ status: 'published', publishedAt, spec, specHash: 'changed' });
        expect(reread).toEqual(updated);
        expect(await errorCodeOf(missing)).toBe('NOT_FOUND');
      });

      it('lists versions newest first and pages with after', async () => {
        const tenant = await freshTenant();
        const agent = await createAgent(tenant.id, 'writer');
        await inRegistry(tenant.id, async ({ agents }) => {
          await agents.insertVersion(versionRecord(agent.id, 2));
          await agents.insertVersion(versionRecord(agent.id, 3));
        });

        const pages = await inRegistry(tenant.id, async ({ agents }) => [
          await agents.listVersions(agent.id, { limit: 2 }),
          await agents.listVersions(agent.id, { limit: 2, after: 2 }),
        ]);

        expect(pages.map((page) => page.map((v) => v.version))).toEqual([[3, 2], [1]]);
      });

      it('returns null for a version that does not exist', async () => {
        const tenant = await freshTenant();
        const agent = await createAgent(tenant.id, 'writer');

        expect(await inRegistry(tenant.id, ({ agents }) => agents.getVersion(agent.id, 2))).toBeNull();
      });
    });

    describe('model backends', () => {
      const backendRecord = (name: string, labels: Record<string, string> = {}) => ({
        id: uuidv7Ids.next(),
        name,
        labels,
        annotations: {},
        spec: BACKEND_SPEC,
        specHash: 'hash-1',
        createdAt: new Date(),
      });

      it('stores a backend and finds it by name', async () => {
        const tenant = await freshTenant();
        const record = backendRecord('local', { zone: 'eu' });

        const stored = await inRegistry(tenant.id, ({ modelBackends }) => modelBackends.insert(record));
        const found = await inRegistry(tenant.id, ({ modelBackends }) => modelBackends.get('local'));

        expect(stored).toEqual({ ...record, resourceVersion: 1, updatedAt: record.createdAt });
        expect(found).toEqual(stored);
        expect(await inRegistry(tenant.id, ({ modelBackends }) => modelBackends.get('absent'))).toBeNull();
      });

      it('rejects a second backend with the same name in the tenant as ALREADY_EXISTS', async () => {
        const tenant = await freshTenant();
        await inRegistry(tenant.id, ({ modelBackends }) => modelBackends.insert(backendRecord('local')));

        const duplicate = inRegistry(tenant.id, ({ modelBackends }) =>
          modelBackends.insert(backendRecord('local')),
        );

        expect(await errorCodeOf(duplicate)).toBe('ALREADY_EXISTS');
      });

      it('lists backends ordered by name, pages with after and filters by labels', async () => {
        const tenant = await freshTenant();
        await inRegistry(tenant.id, async ({ modelBackends }) => {
          await modelBackends.insert(backendRecord('vllm', { zone: 'eu' }));
          await modelBackends.insert(backendRecord('ollama', { zone: 'us' }));
          await modelBackends.insert(backendRecord('openai', { zone: 'eu', trust: 'external' }));
        });

        const names = (page: { name: string }[]) => page.map((b) => b.name);
        const pages = await inRegistry(tenant.id, async ({ modelBackends }) => ({
          first: await modelBackends.list({ limit: 2 }),
          second: await modelBackends.list({ limit: 2, after: 'openai' }),
          eu: await modelBackends.list({ limit: 10 }, { zone: 'eu' }),
          euExternal: await modelBackends.list({ limit: 10 }, { zone: 'eu', trust: 'external' }),
        }));

        expect(names(pages.first)).toEqual(['ollama', 'openai']);
        expect(names(pages.second)).toEqual(['vllm']);
        expect(names(pages.eu)).toEqual(['openai', 'vllm']);
        expect(names(pages.euExternal)).toEqual(['openai']);
      });

      it('updates with compare-and-set and rejects a stale resource version as STALE_RESOURCE_VERSION', async () => {
        const tenant = await freshTenant();
        const backend = await inRegistry(tenant.id, ({ modelBackends }) =>
          modelBackends.insert(backendRecord('local')),
        );
        const changes = {
          labels: { zone: 'us' },
          annotations: { owner: 'ops' },
          spec: { ...BACKEND_SPEC, models: ['a', 'b'] },
          specHash: 'hash-2',
        };

        const updated = await inRegistry(tenant.id, ({ modelBackends }) =>
          modelBackends.update(backend.id, changes, 1),
        );
        const stale = inRegistry(tenant.id, ({ modelBackends }) =>
          modelBackends.update(backend.id, changes, 1),
        );

        expect(updated).toMatchObject({ ...changes, resourceVersion: 2 });
        expect(await errorCodeOf(stale)).toBe('STALE_RESOURCE_VERSION');
        expect(await inRegistry(tenant.id, ({ modelBackends }) => modelBackends.get('local'))).toEqual(
          updated,
        );
      });

      it('deletes with compare-and-set and rejects a stale resource version as STALE_RESOURCE_VERSION', async () => {
        const tenant = await freshTenant();
        const backend = await inRegistry(tenant.id, ({ modelBackends }) =>
          modelBackends.insert(backendRecord('local')),
        );

        const stale = inRegistry(tenant.id, ({ modelBackends }) => modelBackends.delete(backend.id, 2));
        expect(await errorCodeOf(stale)).toBe('STALE_RESOURCE_VERSION');

        await inRegistry(tenant.id, ({ modelBackends }) => modelBackends.delete(backend.id, 1));
        expect(await inRegistry(tenant.id, ({ modelBackends }) => modelBackends.get('local'))).toBeNull();
      });
    });

    describe('tenant isolation', () => {
      /** Two tenants, each with agents, a principal and a backend of the same names. */
      async function twoTenants() {
        const a = await freshTenant();
        const b = await freshTenant();
        const agentsOf = { [a.id]: ['a-one', 'a-two'], [b.id]: ['b-one'] };
        for (const tenant of [a, b]) {
          for (const name of agentsOf[tenant.id] ?? []) await createAgent(tenant.id, name, { team: 'x' });
          await identity.run(tenant.id, ({ principals }) =>
            principals.insert(principalRecord(tenant.id, 'alice')),
          );
        }
        return { a, b };
      }

      const namesOf = async (tenantId: string) =>
        (await inRegistry(tenantId, ({ agents }) => agents.list({ limit: 100 }))).map(
          (view) => view.agent.name,
        );

      it("shows a raw query without a tenant filter only the current tenant's rows", async () => {
        const { a } = await twoTenants();

        const seen = await inTenantTransaction(db, a.id, async (trx) => ({
          rawAgents: (await sql<{ name: string }>`select name from agents order by name`.execute(trx)).rows,
          builtAgents: await trx.selectFrom('agents').select(['tenant_id', 'name']).orderBy('name').execute(),
          versionTenants: await trx.selectFrom('agent_versions').select('tenant_id').distinct().execute(),
          principalTenants: await trx.selectFrom('principals').select('tenant_id').distinct().execute(),
          tenants: await trx.selectFrom('tenants').select('id').execute(),
        }));

        expect(seen.rawAgents).toEqual([{ name: 'a-one' }, { name: 'a-two' }]);
        expect(seen.builtAgents).toEqual([
          { tenant_id: a.id, name: 'a-one' },
          { tenant_id: a.id, name: 'a-two' },
        ]);
        expect(seen.versionTenants).toEqual([{ tenant_id: a.id }]);
        expect(seen.principalTenants).toEqual([{ tenant_id: a.id }]);
        expect(seen.tenants).toEqual([{ id: a.id }]);
      });

      it("rejects an insert of another tenant's row inside a tenant transaction", async () => {
        const { a, b } = await twoTenants();

        const smuggled = inTenantTransaction(db, a.id, (trx) =>
          trx
            .insertInto('agents')
            .values({
              id: uuidv7Ids.next(),
              tenant_id: b.id,
              name: 'smuggled',
              labels: '{}',
              annotations: '{}',
              latest_version: 1,
              resource_version: 1,
            })
            .execute(),
        );

        await expect(smuggled).rejects.toMatchObject({ code: '42501' });
        await expect(smuggled).rejects.toThrow(/row-level security/);
        expect(await namesOf(b.id)).toEqual(['b-one']);
      });

      it('rejects moving a row to another tenant inside a tenant transaction', async () => {
        const { a, b } = await twoTenants();

        const moved = inTenantTransaction(db, a.id, (trx) =>
          trx.updateTable('agents').set({ tenant_id: b.id }).where('name', '=', 'a-one').execute(),
        );

        await expect(moved).rejects.toMatchObject({ code: '42501' });
        expect(await namesOf(a.id)).toEqual(['a-one', 'a-two']);
        expect(await namesOf(b.id)).toEqual(['b-one']);
      });

      it("leaves another tenant's rows alone when an update or delete has no tenant filter", async () => {
        const { a, b } = await twoTenants();

        const counts = await inTenantTransaction(db, a.id, async (trx) => {
          const updated = await trx
            .updateTable('agents')
            .set({ labels: '{"team":"changed"}' })
            .executeTakeFirst();
          const deleted = await trx.deleteFrom('principals').executeTakeFirst();
          return { updated: updated.numUpdatedRows, deleted: deleted.numDeletedRows };
        });

        expect(counts).toEqual({ updated: 2n, deleted: 1n });
        const inB = await inRegistry(b.id, ({ agents }) => agents.get('b-one'));
        expect(inB?.agent.labels).toEqual({ team: 'x' });
        expect(await identity.run(b.id, ({ principals }) => principals.getByName('alice'))).not.toBeNull();
        expect(await identity.run(a.id, ({ principals }) => principals.getByName('alice'))).toBeNull();
      });

      it("treats another tenant's agent as missing even when addressed by its id", async () => {
        const { a, b } = await twoTenants();
        const bAgent = await inRegistry(b.id, ({ agents }) => agents.get('b-one'));
        const bAgentId = bAgent?.agent.id ?? '';

        const fromA = await inRegistry(a.id, async ({ agents }) => ({
          byName: await agents.get('b-one'),
          version: await agents.getVersion(bAgentId, 1),
          versions: await agents.listVersions(bAgentId, { limit: 10 }),
        }));
        const update = inRegistry(a.id, ({ agents }) => agents.update(bAgentId, { labels: {} }));
        const remove = inRegistry(a.id, ({ agents }) => agents.delete(bAgentId));

        expect(fromA).toEqual({ byName: null, version: null, versions: [] });
        expect(await errorCodeOf(update)).toBe('STALE_RESOURCE_VERSION');
        expect(await errorCodeOf(remove)).toBe('STALE_RESOURCE_VERSION');
        expect((await inRegistry(b.id, ({ agents }) => agents.get('b-one')))?.agent).toEqual(bAgent?.agent);
      });

      it('shows a transaction for a tenant id that matches no tenant no rows at all', async () => {
        await twoTenants();

        const counts = await inTenantTransaction(db, uuidv7Ids.next(), async (trx) => {
          const count = async (table: 'tenants' | 'principals' | 'api_keys' | 'agents' | 'agent_versions') =>
            (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(trx))
              .rows[0]?.n;
          return {
            tenants: await count('tenants'),
            principals: await count('principals'),
            apiKeys: await count('api_keys'),
            agents: await count('agents'),
            versions: await count('agent_versions'),
          };
        });

        expect(counts).toEqual({ tenants: 0, principals: 0, apiKeys: 0, agents: 0, versions: 0 });
      });

      it('ends the tenant role and tenant setting with the transaction', async () => {
        const { a } = await twoTenants();
        const session = async (executor: Kysely<DB>) =>
          (
            await sql<{ user: string; tenant: string | null }>`select current_user as "user",
              current_setting('app.tenant_id', true) as tenant`.execute(executor)
          ).rows[0];

        const observed = await db.connection().execute(async (connection) => {
          const before = await session(connection);
          const inside = await inTenantTransaction(connection, a.id, (trx) => session(trx));
          const after = await session(connection);
          const failed = await inTenantTransaction(connection, a.id, async () => {
            throw new Error('boom');
          }).catch(() => 'rejected');
          const afterFailure = await session(connection);
          return { before, inside, after, failed, afterFailure };
        });

        expect(observed.inside).toEqual({ user: 'agenticai_tenant', tenant: a.id });
        expect(observed.after?.user).toBe(observed.before?.user);
        expect(observed.after?.tenant || null).toBeNull();
        expect(observed.failed).toBe('rejected');
        expect(observed.afterFailure?.user).toBe(observed.before?.user);
        expect(observed.afterFailure?.tenant || null).toBeNull();
      });
    });

    describe('transactions', () => {
      it('writes nothing when a registry transaction throws midway', async () => {
        const tenant = await freshTenant();

        const failing = inRegistry(tenant.id, async ({ agents, modelBackends }) => {
          const agent = await agents.insert(agentRecord('half'));
          await agents.insertVersion(versionRecord(agent.id, 1));
          await modelBackends.insert({
            id: uuidv7Ids.next(),
            name: 'half',
            labels: {},
            annotations: {},
            spec: BACKEND_SPEC,
            specHash: 'h',
            createdAt: new Date(),
          });
          throw new Error('crash after the writes');
        });

        await expect(failing).rejects.toThrow('crash after the writes');
        const left = await inRegistry(tenant.id, async ({ agents, modelBackends }) => ({
          agents: await agents.list({ limit: 10 }),
          backends: await modelBackends.list({ limit: 10 }),
        }));
        expect(left).toEqual({ agents: [], backends: [] });
        const versions = await db
          .selectFrom('agent_versions')
          .select('version')
          .where('tenant_id', '=', tenant.id)
          .execute();
        expect(versions).toEqual([]);
      });

      it('writes nothing when an identity transaction fails on its second write', async () => {
        const tenant = await freshTenant();

        const failing = identity.run(tenant.id, async ({ principals }) => {
          await principals.insert(principalRecord(tenant.id, 'first'));
          await principals.insert(principalRecord(tenant.id, 'first'));
        });

        expect(await errorCodeOf(failing)).toBe('ALREADY_EXISTS');
        expect(await identity.run(tenant.id, ({ principals }) => principals.list({ limit: 10 }))).toEqual([]);
      });

      it('does not start a transaction whose signal is already aborted', async () => {
        const tenant = await freshTenant();
        const controller = new AbortController();
        controller.abort();
        let ran = false;

        const aborted = registry.run(
          tenant.id,
          async () => {
            ran = true;
          },
          controller.signal,
        );

        await expect(aborted).rejects.toThrow();
        expect(ran).toBe(false);
      });
    });
  });
}
