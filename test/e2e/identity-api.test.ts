import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type ApiKey,
  type ApiKeyCreated,
  type Page,
  PERMISSIONS,
  type Principal,
  type Role,
  type Tenant,
  type WhoAmI,
} from '../../src/contracts/index.ts';
import { expectProblem, type Reply, type SendOptions, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let t: TestPlatform;
const keys = {} as Record<Role, string>;
/** A tenant other than the platform one, with its own (non-platform) admin. */
const TENANT_B = 'identity-b';
let tenantBAdminKey: string;

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

function agentDoc(name: string, prompt = 'prompt') {
  return { metadata: { name }, spec: { model: { backend: 'local', name: 'm' }, systemPrompt: prompt } };
}

function backendDoc(name: string, model = 'm') {
  return {
    metadata: { name },
    spec: { type: 'openai-compatible', endpoint: 'http://127.0.0.1:8000/v1', models: [model] },
  };
}

async function createPrincipal(name: string, roles: Role[], tenant?: string): Promise<Principal> {
  const reply = await send<Principal>('POST', `/api/v1/principals${tenant ? `?tenant=${tenant}` : ''}`, {
    body: { name, roles },
  });
  expect(reply.status).toBe(201);
  return reply.body;
}

async function createKey(
  principal: string,
  options: { tenant?: string; expiresAt?: string } = {},
): Promise<ApiKeyCreated> {
  const reply = await send<ApiKeyCreated>(
    'POST',
    `/api/v1/api-keys${options.tenant ? `?tenant=${options.tenant}` : ''}`,
    { body: { principal, ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}) } },
  );
  expect(reply.status).toBe(201);
  return reply.body;
}

async function principalWithKey(
  roles: Role[],
  tenant?: string,
): Promise<{ name: string; key: ApiKeyCreated }> {
  const name = unique(roles.join('-'));
  await createPrincipal(name, roles, tenant);
  return { name, key: await createKey(name, tenant ? { tenant } : {}) };
}

const whoami = (apiKey: string) => send<WhoAmI>('GET', '/api/v1/whoami', { apiKey });

beforeAll(async () => {
  t = await startTestPlatform();
  for (const role of ['admin', 'operator', 'developer', 'approver', 'viewer'] as const) {
    keys[role] = (await principalWithKey([role])).key.key;
  }
  expect((await send('POST', '/api/v1/tenants', { body: { name: TENANT_B } })).status).toBe(201);
  tenantBAdminKey = (await principalWithKey(['admin'], TENANT_B)).key.key;
});

afterAll(async () => {
  await t?.close();
});

describe('GET /api/v1/whoami', () => {
  it('names the bootstrap admin, its tenant, roles and every permission', async () => {
    const reply = await whoami(t.adminKey);

    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      principal: 'admin',
      tenant: 'default',
      roles: ['admin'],
      authMethod: 'api_key',
    });
    expect([...reply.body.permissions].sort()).toEqual([...PERMISSIONS].sort());
  });

  it("reports a viewer's read-only permissions", async () => {
    const reply = await whoami(keys.viewer);

    expect(reply.body.roles).toEqual(['viewer']);
    expect(reply.body.permissions).toEqual([
      'agents:read',
      'feedback:write',
      'knowledge:read',
      'model-backends:read',
      'runs:read',
      'tools:read',
      'triggers:read',
    ]);
  });

  it('does not give a tenant admin the platform permission tenants:write', async () => {
    const reply = await whoami(tenantBAdminKey);

    expect(reply.body.tenant).toBe(TENANT_B);
    expect(reply.body.permissions).toContain('principals:write');
    expect(reply.body.permissions).not.toContain('tenants:write');
  });

  it('answers 401 without credentials', async () => {
    expectProblem(await send('GET', '/api/v1/whoami', { apiKey: null }), 401, 'UNAUTHENTICATED');
  });
});

describe('principals', () => {
  it('creates, reads, lists, updates and deletes a principal', async () => {
    const name = unique('crud');

    const created = await send<Principal>('POST', '/api/v1/principals', {
      body: { name, roles: ['developer'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name,
      tenant: 'default',
      kind: 'user',
      roles: ['developer'],
      disabled: false,
    });

    const read = await send<Principal>('GET', `/api/v1/principals/${name}`);
    expect(read.body).toEqual(created.body);

    const listed = await send<Page<Principal>>('GET', '/api/v1/principals?limit=500');
    expect(listed.body.items.map((p) => p.name)).toContain(name);

    const updated = await send<Principal>('PUT', `/api/v1/principals/${name}`, {
      body: { roles: ['operator', 'approver'] },
    });
    expect(updated.status).toBe(200);
    expect([...updated.body.roles].sort()).toEqual(['approver', 'operator']);
    expect((await send<Principal>('GET', `/api/v1/principals/${name}`)).body.roles.sort()).toEqual([
      'approver',
      'operator',
    ]);

    const disabled = await send<Principal>('PUT', `/api/v1/principals/${name}`, { body: { disabled: true } });
    expect(disabled.body.disabled).toBe(true);
    expect([...disabled.body.roles].sort()).toEqual(['approver', 'operator']);

    const deleted = await t.request('DELETE', `/api/v1/principals/${name}`);
    expect(deleted.status).toBe(204);
    expectProblem(await send('GET', `/api/v1/principals/${name}`), 404, 'NOT_FOUND');
    expectProblem(await send('DELETE', `/api/v1/principals/${name}`), 404, 'NOT_FOUND');
    expectProblem(
      await send('PUT', `/api/v1/principals/${name}`, { body: { disabled: false } }),
      404,
      'NOT_FOUND',
    );
  });

  it('creates service accounts', async () => {
    const name = unique('robot');

    const reply = await send<Principal>('POST', '/api/v1/principals', {
      body: { name, kind: 'service_account', roles: ['operator'] },
    });

    expect(reply.status).toBe(201);
    expect(reply.body.kind).toBe('service_account');
  });

  it('refuses a second principal with the same name with 409 ALREADY_EXISTS', async () => {
    const name = unique('twin');
    await createPrincipal(name, ['viewer']);

    expectProblem(
      await send('POST', '/api/v1/principals', { body: { name, roles: ['admin'] } }),
      409,
      'ALREADY_EXISTS',
    );
    expect((await send<Principal>('GET', `/api/v1/principals/${name}`)).body.roles).toEqual(['viewer']);
  });

  it('refuses a principal without roles or with an unknown role with 400', async () => {
    const none = expectProblem(
      await send('POST', '/api/v1/principals', { body: { name: unique('none'), roles: [] } }),
      400,
      'INVALID_REQUEST',
    );
    expect(none.errors?.[0]?.pointer).toBe('/roles');
    const unknown = expectProblem(
      await send('POST', '/api/v1/principals', { body: { name: unique('root'), roles: ['root'] } }),
      400,
      'INVALID_REQUEST',
    );
    expect(unknown.errors?.[0]?.pointer).toBe('/roles/0');
  });

  it('pages through principals with limit and cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/api/v1/principals?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const reply: Reply<Page<Principal>> = await send<Page<Principal>>('GET', path);
      expect(reply.status).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...reply.body.items.map((p) => p.name));
      cursor = reply.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);

    const all = await send<Page<Principal>>('GET', '/api/v1/principals?limit=500');
    expect(seen).toEqual(all.body.items.map((p) => p.name));
    expect(pages).toBeGreaterThan(2);
  });

  it('refuses to let you delete yourself with 409, and you keep working', async () => {
    const admin = await principalWithKey(['admin']);

    expectProblem(
      await send('DELETE', `/api/v1/principals/${admin.name}`, { apiKey: admin.key.key }),
      409,
      'CONFLICT',
    );
    expect((await whoami(admin.key.key)).status).toBe(200);
  });

  it('refuses to let you disable yourself or drop your own admin role with 409', async () => {
    const admin = await principalWithKey(['admin']);

    expectProblem(
      await send('PUT', `/api/v1/principals/${admin.name}`, {
        body: { disabled: true },
        apiKey: admin.key.key,
      }),
      409,
      'CONFLICT',
    );
    expectProblem(
      await send('PUT', `/api/v1/principals/${admin.name}`, {
        body: { roles: ['viewer'] },
        apiKey: admin.key.key,
      }),
      409,
      'CONFLICT',
    );
    expect((await whoami(admin.key.key)).body.roles).toEqual(['admin']);
  });

  it("makes a disabled principal's key answer 401, and works again once re-enabled", async () => {
    const user = await principalWithKey(['developer']);
    expect((await whoami(user.key.key)).status).toBe(200);

    await send('PUT', `/api/v1/principals/${user.name}`, { body: { disabled: true } });

    expectProblem(await whoami(user.key.key), 401, 'UNAUTHENTICATED');
    expectProblem(
      await send('POST', '/api/v1/agents', { body: agentDoc(unique('disabled')), apiKey: user.key.key }),
      401,
      'UNAUTHENTICATED',
    );

    await send('PUT', `/api/v1/principals/${user.name}`, { body: { disabled: false } });
    expect((await whoami(user.key.key)).status).toBe(200);
  });

  it('deletes the keys of a deleted principal: they answer 401 and leave the key list', async () => {
    const user = await principalWithKey(['developer']);

    expect((await t.request('DELETE', `/api/v1/principals/${user.name}`)).status).toBe(204);

    expectProblem(await whoami(user.key.key), 401, 'UNAUTHENTICATED');
    expectProblem(await send('GET', `/api/v1/api-keys/${user.key.id}`), 404, 'NOT_FOUND');
  });
});

describe('roles and permissions', () => {
  type Check = [method: string, path: string, body: unknown, expected: number];

  async function expectStatuses(apiKey: string, checks: Check[]): Promise<void> {
    const results = [];
    for (const [method, path, body] of checks) {
      results.push(`${method} ${path} → ${(await send(method, path, { body, apiKey })).status}`);
    }
    expect(results).toEqual(checks.map(([method, path, , expected]) => `${method} ${path} → ${expected}`));
  }

  const readOnlyChecks = (): Check[] => [
    ['GET', '/api/v1/agents', undefined, 200],
    ['GET', '/api/v1/model-backends', undefined, 200],
    ['POST', '/api/v1/agents', agentDoc(unique('ro')), 403],
    ['POST', '/api/v1/model-backends', backendDoc(unique('ro')), 403],
    [
      'POST',
      '/api/v1/apply',
      { items: [{ apiVersion: 'agenticai.dev/v1alpha1', kind: 'Agent', ...agentDoc(unique('ro')) }] },
      403,
    ],
    ['GET', '/api/v1/principals', undefined, 403],
    ['POST', '/api/v1/principals', { name: unique('ro'), roles: ['admin'] }, 403],
    ['GET', '/api/v1/api-keys', undefined, 403],
    ['POST', '/api/v1/api-keys', { principal: 'admin' }, 403],
    ['GET', '/api/v1/tenants', undefined, 403],
    ['POST', '/api/v1/tenants', { name: unique('ro') }, 403],
  ];

  it('lets a viewer read agents and backends and nothing else', async () => {
    await expectStatuses(keys.viewer, readOnlyChecks());
  });

  it('gives an approver the same read-only access as a viewer', async () => {
    await expectStatuses(keys.approver, readOnlyChecks());
  });

  it('lets a developer write agents but not model backends or identities', async () => {
    const name = unique('dev');
    await expectStatuses(keys.developer, [
      ['POST', '/api/v1/agents', agentDoc(name), 201],
      ['PUT', `/api/v1/agents/${name}`, agentDoc(name, 'changed'), 200],
      ['POST', `/api/v1/agents/${name}/versions/1:publish`, undefined, 200],
      ['DELETE', `/api/v1/agents/${name}`, undefined, 204],
      ['POST', '/api/v1/model-backends', backendDoc(unique('dev')), 403],
      ['DELETE', '/api/v1/model-backends/anything', undefined, 403],
      ['GET', '/api/v1/principals', undefined, 403],
      ['GET', '/api/v1/api-keys', undefined, 403],
    ]);
  });

  it('lets an operator write model backends and agents but not identities', async () => {
    const backend = unique('op-backend');
    const agent = unique('op-agent');
    await expectStatuses(keys.operator, [
      ['POST', '/api/v1/model-backends', backendDoc(backend), 201],
      ['PUT', `/api/v1/model-backends/${backend}`, backendDoc(backend, 'other'), 200],
      ['GET', `/api/v1/model-backends/${backend}`, undefined, 200],
      ['DELETE', `/api/v1/model-backends/${backend}`, undefined, 204],
      ['POST', '/api/v1/agents', agentDoc(agent), 201],
      ['GET', '/api/v1/principals', undefined, 403],
      ['POST', '/api/v1/api-keys', { principal: 'admin' }, 403],
      ['POST', '/api/v1/tenants', { name: unique('op') }, 403],
    ]);
  });

  it('lets an admin manage principals and API keys', async () => {
    const name = unique('managed');
    await expectStatuses(keys.admin, [
      ['POST', '/api/v1/principals', { name, roles: ['viewer'] }, 201],
      ['PUT', `/api/v1/principals/${name}`, { roles: ['developer'] }, 200],
      ['POST', '/api/v1/api-keys', { principal: name }, 201],
      ['GET', '/api/v1/api-keys', undefined, 200],
      ['GET', '/api/v1/principals', undefined, 200],
      ['DELETE', `/api/v1/principals/${name}`, undefined, 204],
    ]);
  });

  it('refuses a tenant admin who is not a platform admin the creation of tenants with 403', async () => {
    const name = unique('nope');

    expectProblem(
      await send('POST', '/api/v1/tenants', { body: { name }, apiKey: tenantBAdminKey }),
      403,
      'PERMISSION_DENIED',
    );
    expectProblem(await send('GET', `/api/v1/tenants/${name}`), 404, 'NOT_FOUND');
    expectProblem(
      await send('DELETE', `/api/v1/tenants/${TENANT_B}`, { apiKey: tenantBAdminKey }),
      403,
      'PERMISSION_DENIED',
    );
  });

  it('answers a tenant admin naming another tenant with ?tenant= with 404', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/v1/principals?tenant=default', undefined],
      ['GET', '/api/v1/principals/admin?tenant=default', undefined],
      ['POST', '/api/v1/principals?tenant=default', { name: unique('sneak'), roles: ['admin'] }],
      ['DELETE', '/api/v1/principals/admin?tenant=default', undefined],
      ['GET', '/api/v1/api-keys?tenant=default', undefined],
      ['POST', '/api/v1/api-keys?tenant=default', { principal: 'admin' }],
      ['GET', '/api/v1/principals?tenant=no-such-tenant', undefined],
      ['GET', '/api/v1/tenants/default', undefined],
    ] as const) {
      const reply = await send(method, path, { body, apiKey: tenantBAdminKey });
      expect(`${method} ${path} → ${reply.status}`).toBe(`${method} ${path} → 404`);
    }
    expect((await send<Principal>('GET', '/api/v1/principals/admin')).status).toBe(200);
  });

  it('shows a tenant admin only its own tenant in the tenant list', async () => {
    const reply = await send<Page<Tenant>>('GET', '/api/v1/tenants', { apiKey: tenantBAdminKey });

    expect(reply.status).toBe(200);
    expect(reply.body.items.map((tenant) => tenant.name)).toEqual([TENANT_B]);
    expect((await send('GET', `/api/v1/tenants/${TENANT_B}`, { apiKey: tenantBAdminKey })).status).toBe(200);
  });

  it('lets the platform admin act in another tenant with ?tenant=', async () => {
    const name = unique('remote');
    expect(
      (await send('POST', `/api/v1/principals?tenant=${TENANT_B}`, { body: { name, roles: ['viewer'] } }))
        .status,
    ).toBe(201);

    const inB = await send<Page<Principal>>('GET', '/api/v1/principals?limit=500', {
      apiKey: tenantBAdminKey,
    });
    expect(inB.body.items.map((p) => p.name)).toContain(name);
    const inDefault = await send<Page<Principal>>('GET', '/api/v1/principals?limit=500');
    expect(inDefault.body.items.map((p) => p.name)).not.toContain(name);
    const key = await createKey(name, { tenant: TENANT_B });
    expect(key.tenant).toBe(TENANT_B);
    expect((await whoami(key.key)).body).toMatchObject({ principal: name, tenant: TENANT_B });
  });
});

describe('API keys', () => {
  it('never lists or returns the secret, and shows its ak_ prefix', async () => {
    const { key } = await principalWithKey(['viewer']);
    expect(key.key).toMatch(/^ak_[A-Za-z0-9_-]{20,}$/);

    const listed = await send<Page<ApiKey>>('GET', '/api/v1/api-keys?limit=500');
    const single = await send<ApiKey>('GET', `/api/v1/api-keys/${key.id}`);

    const entry = listed.body.items.find((item) => item.id === key.id);
    expect(entry).toBeDefined();
    expect(entry).not.toHaveProperty('key');
    expect(single.body).not.toHaveProperty('key');
    expect(entry?.prefix).toBe(key.prefix);
    expect(key.prefix.startsWith('ak_')).toBe(true);
    expect(key.key.startsWith(key.prefix)).toBe(true);
    expect(key.prefix.length).toBeLessThan(key.key.length / 2);
    expect(JSON.stringify(listed.body)).not.toContain(key.key);
    expect(JSON.stringify(single.body)).not.toContain(key.key);
    expect(JSON.stringify(listed.body)).not.toContain(t.adminKey);
  });

  it('lets the new key authenticate as its principal at once', async () => {
    const { name, key } = await principalWithKey(['developer']);

    const reply = await whoami(key.key);

    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      principal: name,
      tenant: 'default',
      roles: ['developer'],
      authMethod: 'api_key',
    });
  });

  it('records lastUsedAt once the key is used', async () => {
    const { key } = await principalWithKey(['viewer']);
    expect(key.lastUsedAt).toBeNull();
    expect((await send<ApiKey>('GET', `/api/v1/api-keys/${key.id}`)).body.lastUsedAt).toBeNull();

    expect((await whoami(key.key)).status).toBe(200);

    await vi.waitFor(
      async () => {
        const stored = await send<ApiKey>('GET', `/api/v1/api-keys/${key.id}`);
        expect(stored.body.lastUsedAt).not.toBeNull();
      },
      { timeout: 10_000, interval: 50 },
    );
  });

  it('keeps the first revocation time when a key is revoked twice', async () => {
    const { key } = await principalWithKey(['viewer']);

    const first = await send<ApiKey>('POST', `/api/v1/api-keys/${key.id}:revoke`);
    const second = await send<ApiKey>('POST', `/api/v1/api-keys/${key.id}:revoke`);

    expect(first.status).toBe(200);
    expect(first.body.revokedAt).not.toBeNull();
    expect(second.body.revokedAt).toBe(first.body.revokedAt);
    expectProblem(await whoami(key.key), 401, 'UNAUTHENTICATED');
  });

  it('refuses a key the moment it is revoked, though its last use was remembered', async () => {
    const { key } = await principalWithKey(['viewer']);
    expect((await whoami(key.key)).status).toBe(200);
    expect((await whoami(key.key)).status).toBe(200);

    expect((await send('POST', `/api/v1/api-keys/${key.id}:revoke`)).status).toBe(200);

    expectProblem(await whoami(key.key), 401, 'UNAUTHENTICATED');
  });

  it('applies a disabled principal and changed roles to keys already in use', async () => {
    const { name, key } = await principalWithKey(['viewer']);
    expect((await whoami(key.key)).body.roles).toEqual(['viewer']);

    await send('PUT', `/api/v1/principals/${name}`, { body: { roles: ['operator'] } });
    expect((await whoami(key.key)).body.roles).toEqual(['operator']);

    await send('PUT', `/api/v1/principals/${name}`, { body: { disabled: true } });
    expectProblem(await whoami(key.key), 401, 'UNAUTHENTICATED');

    await send('PUT', `/api/v1/principals/${name}`, { body: { disabled: false } });
    expect((await whoami(key.key)).status).toBe(200);
    expect((await t.request('DELETE', `/api/v1/principals/${name}`)).status).toBe(204);
    expectProblem(await whoami(key.key), 401, 'UNAUTHENTICATED');
  });

  it('accepts a key with a future expiry and reports it', async () => {
    const name = unique('expiring');
    await createPrincipal(name, ['viewer']);
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();

    const key = await createKey(name, { expiresAt });

    expect(new Date(key.expiresAt ?? 0).getTime()).toBe(new Date(expiresAt).getTime());
    expect((await whoami(key.key)).status).toBe(200);
  });

  it('answers 404 for a key of an unknown principal', async () => {
    expectProblem(
      await send('POST', '/api/v1/api-keys', { body: { principal: unique('ghost') } }),
      404,
      'NOT_FOUND',
    );
  });
});

describe('tenants', () => {
  it('creates a tenant the platform admin can list and read; a duplicate is 409', async () => {
    const name = unique('tenant');

    const created = await send<Tenant>('POST', '/api/v1/tenants', {
      body: { name, displayName: 'Tenant C' },
    });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name, displayName: 'Tenant C' });
    const listed = await send<Page<Tenant>>('GET', '/api/v1/tenants?limit=500');
    expect(listed.body.items.map((tenant) => tenant.name)).toEqual(expect.arrayContaining(['default', name]));
    expect((await send<Tenant>('GET', `/api/v1/tenants/${name}`)).body).toEqual(created.body);
    expectProblem(await send('POST', '/api/v1/tenants', { body: { name } }), 409, 'ALREADY_EXISTS');
  });

  it('deletes everything a tenant owns: its keys stop working and a new tenant of that name is empty', async () => {
    const name = unique('doomed');
    expect((await send('POST', '/api/v1/tenants', { body: { name } })).status).toBe(201);
    const admin = await principalWithKey(['admin'], name);
    expect(
      (await send('POST', '/api/v1/agents?publish=true', { body: agentDoc('victim'), apiKey: admin.key.key }))
        .status,
    ).toBe(201);

    const deleted = await t.request('DELETE', `/api/v1/tenants/${name}`);

    expect(deleted.status).toBe(204);
    expectProblem(await whoami(admin.key.key), 401, 'UNAUTHENTICATED');
    expectProblem(await send('GET', `/api/v1/tenants/${name}`), 404, 'NOT_FOUND');
    expectProblem(await send('GET', `/api/v1/principals?tenant=${name}`), 404, 'NOT_FOUND');

    expect((await send('POST', '/api/v1/tenants', { body: { name } })).status).toBe(201);
    const principals = await send<Page<Principal>>('GET', `/api/v1/principals?tenant=${name}`);
    expect(principals.body.items).toEqual([]);
    const fresh = await principalWithKey(['admin'], name);
    const agents = await send<Page<unknown>>('GET', '/api/v1/agents', { apiKey: fresh.key.key });
    expect(agents.body.items).toEqual([]);
  });

  it('refuses to delete the platform tenant with 409 and keeps it working', async () => {
    expectProblem(await send('DELETE', '/api/v1/tenants/default'), 409, 'CONFLICT');

    expect((await send('GET', '/api/v1/tenants/default')).status).toBe(200);
    expect((await whoami(t.adminKey)).status).toBe(200);
  });

  it('answers 404 when deleting a tenant that does not exist', async () => {
    expectProblem(await send('DELETE', `/api/v1/tenants/${unique('ghost')}`), 404, 'NOT_FOUND');
  });
});
