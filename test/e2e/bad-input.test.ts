import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type Agent,
  type ApiKeyCreated,
  type Page,
  type Problem,
  ProblemSchema,
} from '../../src/contracts/index.ts';
import {
  expectProblem as expectSharedProblem,
  type Reply,
  type SendOptions,
  sendTo,
  unique,
} from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

/**
 * The "Bad input" list: each case gets its own test, and each asserts that the request
 * changed no stored state and that the server still answers /healthz afterwards.
 */

const MiB = 1024 * 1024;
const TENANT_B = 'bad-input-b';
const SHARED_NAME = 'shared-name';

let t: TestPlatform;
let viewerKey: string;
let tenantBKey: string;

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

/** The shared problem+json checks, plus this suite's: the type URI, a title and a detail. */
function expectProblem(reply: Reply<unknown>, status: number, code: string): Problem {
  const problem = expectSharedProblem(reply, status, code);
  expect(problem.type).toBe(`https://agenticai.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`);
  expect(problem.title.length).toBeGreaterThan(0);
  expect(problem.detail.length).toBeGreaterThan(0);
  return problem;
}

const pointers = (problem: Problem) => problem.errors?.map((error) => error.pointer) ?? [];

function agentDoc(name: string, prompt = 'prompt') {
  return {
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'Agent',
    metadata: { name, labels: { suite: 'bad-input' } },
    spec: { model: { backend: 'local', name: 'test-model', temperature: 0 }, systemPrompt: prompt },
  };
}

function backendDoc(name: string) {
  return {
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'ModelBackend',
    metadata: { name },
    spec: { type: 'openai-compatible', endpoint: 'http://127.0.0.1:8000/v1', models: ['m'] },
  };
}

async function listAll(path: string, apiKey: string): Promise<unknown[]> {
  const reply = await send<Page<Record<string, unknown>>>('GET', `${path}?limit=500`, { apiKey });
  expect(reply.status).toBe(200);
  expect(reply.body.nextCursor).toBeNull();
  // lastUsedAt moves with every use of a key (once a minute at most); it is not state a request changes.
  return reply.body.items.map(({ lastUsedAt: _ignored, ...rest }) => rest);
}

/** Everything stored in both tenants, as their admins list it. */
async function snapshot(): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const [tenant, key] of [
    ['default', t.adminKey],
    [TENANT_B, tenantBKey],
  ] as const) {
    for (const path of [
      '/api/v1/agents',
      '/api/v1/model-backends',
      '/api/v1/principals',
      '/api/v1/api-keys',
    ]) {
      state[`${tenant} ${path}`] = await listAll(path, key);
    }
  }
  state.tenants = await listAll('/api/v1/tenants', t.adminKey);
  return state;
}

/** Runs the bad requests and asserts they changed nothing and left the server answering. */
async function expectNoChange(badRequests: () => Promise<void>): Promise<void> {
  const before = await snapshot();
  await badRequests();
  expect(await snapshot()).toEqual(before);
  const health = await t.request('GET', '/healthz', { apiKey: null });
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });
}

async function createKey(principal: string, roles: string[], tenant?: string): Promise<ApiKeyCreated> {
  const query = tenant ? `?tenant=${tenant}` : '';
  expect(
    (await send('POST', `/api/v1/principals${query}`, { body: { name: principal, roles } })).status,
  ).toBe(201);
  const key = await send<ApiKeyCreated>('POST', `/api/v1/api-keys${query}`, { body: { principal } });
  expect(key.status).toBe(201);
  return key.body;
}

beforeAll(async () => {
  t = await startTestPlatform();
  viewerKey = (await createKey('viewer', ['viewer'])).key;
  expect((await send('POST', '/api/v1/tenants', { body: { name: TENANT_B } })).status).toBe(201);
  tenantBKey = (await createKey('b-admin', ['admin'], TENANT_B)).key;
  for (const [key, name] of [
    [t.adminKey, SHARED_NAME],
    [t.adminKey, 'etc'],
    [t.adminKey, 'default-only'],
    [tenantBKey, SHARED_NAME],
    [tenantBKey, 'b-only'],
  ] as const) {
    const created = await send('POST', '/api/v1/agents?publish=true', {
      body: agentDoc(name, `owned by ${key === t.adminKey ? 'default' : TENANT_B}`),
      apiKey: key,
    });
    expect(created.status).toBe(201);
  }
  expect((await send('POST', '/api/v1/model-backends', { body: backendDoc('backend') })).status).toBe(201);
});

afterAll(async () => {
  await t?.close();
});

describe('malformed bodies', () => {
  it('answers malformed JSON with 400 MALFORMED_BODY as problem+json', () =>
    expectNoChange(async () => {
      const reply = await send('POST', '/api/v1/agents', { body: '{"metadata": {"name": "x"},' });

      const problem = expectProblem(reply, 400, 'MALFORMED_BODY');
      expect(problem.title).toBe('Malformed body');
      expect(problem.detail).toContain('not valid JSON');
      expect(problem.instance).toBe('/api/v1/agents');
    }));

  it('answers malformed JSON sent to apply with 400 MALFORMED_BODY', () =>
    expectNoChange(async () => {
      expectProblem(await send('POST', '/api/v1/apply', { body: '{"items": [' }), 400, 'MALFORMED_BODY');
    }));

  it('answers an empty JSON body with 400 MALFORMED_BODY', () =>
    expectNoChange(async () => {
      const reply = await send('POST', '/api/v1/agents', {
        body: '',
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(reply, 400, 'MALFORMED_BODY');
    }));

  it('answers malformed YAML with 400 naming the document and line', () =>
    expectNoChange(async () => {
      const text = `${stringify(agentDoc(unique('yaml-ok')))}---\napiVersion: agenticai.dev/v1alpha1\nkind: Agent\nmetadata: [unclosed\nspec: {}\n`;
      const reply = await send('POST', '/api/v1/apply', {
        body: text,
        headers: { 'content-type': 'application/yaml' },
      });

      const problem = expectProblem(reply, 400, 'MALFORMED_BODY');
      expect(problem.detail).toMatch(/document 2/);
      const line = text.split('\n').indexOf('spec: {}') + 1;
      expect(problem.detail).toMatch(new RegExp(`line ${line}\\b`));
      expect(pointers(problem)).toEqual(['/items/1']);
    }));

  it('answers a YAML alias bomb with 400 MALFORMED_BODY, not a 500', () =>
    expectNoChange(async () => {
      const levels = ['a', 'b', 'c', 'd', 'e', 'f'];
      const lines = levels.map((level, index) => {
        const previous = levels[index - 1];
        const items = previous ? Array.from({ length: 9 }, () => `*${previous}`) : Array(9).fill('x');
        return `${level}: &${level} [${items.join(', ')}]`;
      });
      const reply = await send('POST', '/api/v1/apply', {
        body: `${lines.join('\n')}\n`,
        headers: { 'content-type': 'application/yaml' },
      });

      expectProblem(reply, 400, 'MALFORMED_BODY');
    }));

  it('answers YAML with a duplicate key with 400 and the line', () =>
    expectNoChange(async () => {
      const reply = await send('POST', '/api/v1/apply', {
        body: 'apiVersion: agenticai.dev/v1alpha1\nkind: Agent\nkind: ModelBackend\n',
        headers: { 'content-type': 'application/yaml' },
      });
      const problem = expectProblem(reply, 400, 'MALFORMED_BODY');
      expect(problem.detail).toMatch(/line 3\b/);
    }));
});

describe('invalid manifests', () => {
  it('answers an unknown kind with 400 pointing at /items/0/kind', () =>
    expectNoChange(async () => {
      const reply = await send('POST', '/api/v1/apply', {
        body: { items: [{ ...agentDoc(unique('gadget')), kind: 'Gadget' }] },
      });

      const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
      expect(pointers(problem)).toEqual(['/items/0/kind']);
      expect(problem.errors?.[0]?.detail).toContain('Agent');
    }));

  it('answers an unknown field with 400 whose pointer names the field', () =>
    expectNoChange(async () => {
      const name = unique('unknown-field');
      const withSpecField = { ...agentDoc(name), spec: { ...agentDoc(name).spec, bogus: true } };
      const direct = expectProblem(
        await send('POST', '/api/v1/agents', { body: withSpecField }),
        400,
        'INVALID_REQUEST',
      );
      expect(pointers(direct)).toEqual(['/spec/bogus']);

      const viaApply = expectProblem(
        await send('POST', '/api/v1/apply', { body: { items: [withSpecField] } }),
        400,
        'INVALID_REQUEST',
      );
      expect(pointers(viaApply)).toEqual(['/items/0/spec/bogus']);

      const inMetadata = { ...agentDoc(name), metadata: { name, finalizers: ['x'] } };
      const meta = expectProblem(
        await send('POST', '/api/v1/agents', { body: inMetadata }),
        400,
        'INVALID_REQUEST',
      );
      expect(pointers(meta)).toEqual(['/metadata/finalizers']);

      const topLevel = expectProblem(
        await send('POST', '/api/v1/agents', { body: { ...agentDoc(name), status: {} } }),
        400,
        'INVALID_REQUEST',
      );
      expect(pointers(topLevel)).toEqual(['/status']);
    }));

  it('answers a field of the wrong type with 400 pointing at /spec/model/temperature', () =>
    expectNoChange(async () => {
      const name = unique('hot');
      const doc = agentDoc(name);
      const body = { ...doc, spec: { ...doc.spec, model: { ...doc.spec.model, temperature: 'hot' } } };

      const created = expectProblem(await send('POST', '/api/v1/agents', { body }), 400, 'INVALID_REQUEST');
      expect(pointers(created)).toEqual(['/spec/model/temperature']);

      const replaced = expectProblem(
        await send('PUT', `/api/v1/agents/${SHARED_NAME}`, {
          body: { ...body, metadata: { name: SHARED_NAME } },
        }),
        400,
        'INVALID_REQUEST',
      );
      expect(pointers(replaced)).toEqual(['/spec/model/temperature']);
    }));

  it('answers a manifest without a name with 400 pointing at /metadata/name', () =>
    expectNoChange(async () => {
      const { metadata: _metadata, ...rest } = agentDoc('unused');
      const noName = expectProblem(
        await send('POST', '/api/v1/agents', { body: { ...rest, metadata: { labels: {} } } }),
        400,
        'INVALID_REQUEST',
      );
      expect(pointers(noName)).toEqual(['/metadata/name']);

      const noMetadata = expectProblem(
        await send('POST', '/api/v1/apply', { body: { items: [rest] } }),
        400,
        'INVALID_REQUEST',
      );
      expect(pointers(noMetadata)).toEqual(['/items/0/metadata']);
    }));

  it.each(['../etc', 'a/b', 'UPPER', '', '-leading-dash', 'a'.repeat(64), 'dot.ted'])(
    'answers the name %j in a body with 400 pointing at /metadata/name',
    (name) =>
      expectNoChange(async () => {
        const direct = expectProblem(
          await send('POST', '/api/v1/agents', { body: agentDoc(name) }),
          400,
          'INVALID_REQUEST',
        );
        expect(new Set(pointers(direct))).toEqual(new Set(['/metadata/name']));
        const viaApply = expectProblem(
          await send('POST', '/api/v1/apply', { body: { items: [agentDoc(name)] } }),
          400,
          'INVALID_REQUEST',
        );
        expect(new Set(pointers(viaApply))).toEqual(new Set(['/items/0/metadata/name']));
      }),
  );

  it.each(['..%2Fetc', 'a%2Fb', 'UPPER'])(
    'answers the URL-encoded name %s in a path with 400 and touches no other agent',
    (encoded) =>
      expectNoChange(async () => {
        for (const method of ['GET', 'DELETE']) {
          const reply = await send(method, `/api/v1/agents/${encoded}`);
          expect(pointers(expectProblem(reply, 400, 'INVALID_REQUEST'))).toEqual(['/params/name']);
        }
        const put = await send('PUT', `/api/v1/agents/${encoded}?publish=true`, { body: agentDoc('etc') });
        expect(pointers(expectProblem(put, 400, 'INVALID_REQUEST'))).toContain('/params/name');
        const version = await send('POST', `/api/v1/agents/${encoded}/versions?publish=true`, {
          body: { spec: agentDoc('etc').spec },
        });
        expectProblem(version, 400, 'INVALID_REQUEST');
      }),
  );

  it('answers a raw slash in a name segment with 404 ROUTE_NOT_FOUND', () =>
    expectNoChange(async () => {
      expectProblem(await send('DELETE', '/api/v1/agents/default-only/etc'), 404, 'ROUTE_NOT_FOUND');
    }));
});

describe('oversized bodies', () => {
  const huge = () =>
    JSON.stringify({
      metadata: { name: 'huge' },
      spec: { model: { backend: 'b', name: 'm' } },
      pad: 'x'.repeat(10 * MiB),
    });

  it('answers a 10 MiB JSON body with 413 PAYLOAD_TOO_LARGE', () =>
    expectNoChange(async () => {
      const reply = await send('POST', '/api/v1/agents', { body: huge() });
      const problem = expectProblem(reply, 413, 'PAYLOAD_TOO_LARGE');
      expect(problem.detail).toContain(String(MiB));
    }));

  it('answers a 10 MiB YAML body to apply with 413', () =>
    expectNoChange(async () => {
      const text = `${stringify(agentDoc('huge-yaml'))}# ${'x'.repeat(10 * MiB)}\n`;
      const reply = await send('POST', '/api/v1/apply', {
        body: text,
        headers: { 'content-type': 'application/yaml' },
      });
      expectProblem(reply, 413, 'PAYLOAD_TOO_LARGE');
    }));

  it('answers a 10 MiB body streamed without Content-Length with 413', () =>
    expectNoChange(async () => {
      const chunk = new TextEncoder().encode('x'.repeat(MiB));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0)
            controller.enqueue(new TextEncoder().encode('{"metadata":{"name":"streamed"},"pad":"'));
          if (sent >= 10) {
            controller.enqueue(new TextEncoder().encode('"}'));
            controller.close();
            return;
          }
          sent++;
          controller.enqueue(chunk);
        },
      });
      const response = await fetch(`${t.url}/api/v1/agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      const text = await response.text();
      expectProblem(
        { status: response.status, headers: response.headers, body: JSON.parse(text) },
        413,
        'PAYLOAD_TOO_LARGE',
      );
    }));
});

describe('credentials', () => {
  it('answers a wrong API key with 401 UNAUTHENTICATED on reads and writes', () =>
    expectNoChange(async () => {
      const wrong = `ak_${randomUUID().replaceAll('-', '')}`;
      expectProblem(await send('GET', '/api/v1/agents', { apiKey: wrong }), 401, 'UNAUTHENTICATED');
      expectProblem(
        await send('POST', '/api/v1/agents?publish=true', {
          body: agentDoc(unique('wrong-key')),
          apiKey: wrong,
        }),
        401,
        'UNAUTHENTICATED',
      );
      expectProblem(
        await send('DELETE', `/api/v1/agents/${SHARED_NAME}`, { apiKey: wrong }),
        401,
        'UNAUTHENTICATED',
      );
    }));

  it('answers a missing or malformed Authorization header with 401', () =>
    expectNoChange(async () => {
      expectProblem(await send('GET', '/api/v1/agents', { apiKey: null }), 401, 'UNAUTHENTICATED');
      expectProblem(
        await send('GET', '/api/v1/agents', {
          apiKey: null,
          headers: { authorization: `Basic ${t.adminKey}` },
        }),
        401,
        'UNAUTHENTICATED',
      );
      expectProblem(
        await send('GET', '/api/v1/agents', { apiKey: null, headers: { authorization: 'Bearer' } }),
        401,
        'UNAUTHENTICATED',
      );
    }));

  it('answers a revoked API key with 401', async () => {
    const created = await createKey(unique('revoked'), ['developer']);
    expect((await send('GET', '/api/v1/agents', { apiKey: created.key })).status).toBe(200);
    const revoked = await send<{ revokedAt: string | null }>('POST', `/api/v1/api-keys/${created.id}:revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();

    await expectNoChange(async () => {
      const problem = expectProblem(
        await send('GET', '/api/v1/agents', { apiKey: created.key }),
        401,
        'UNAUTHENTICATED',
      );
      expect(problem.detail).toContain('revoked');
      expectProblem(
        await send('POST', '/api/v1/agents', { body: agentDoc(unique('after-revoke')), apiKey: created.key }),
        401,
        'UNAUTHENTICATED',
      );
    });
  });

  it('refuses to create a key that expires in the past with 400 pointing at /expiresAt', async () => {
    const principal = unique('expiring');
    expect(
      (await send('POST', '/api/v1/principals', { body: { name: principal, roles: ['viewer'] } })).status,
    ).toBe(201);

    await expectNoChange(async () => {
      const past = new Date(Date.now() - 60_000).toISOString();
      const problem = expectProblem(
        await send('POST', '/api/v1/api-keys', { body: { principal, expiresAt: past } }),
        400,
        'INVALID_REQUEST',
      );
      expect(pointers(problem)).toEqual(['/expiresAt']);
      const notATime = expectProblem(
        await send('POST', '/api/v1/api-keys', { body: { principal, expiresAt: 'tomorrow' } }),
        400,
        'INVALID_REQUEST',
      );
      expect(pointers(notATime)).toEqual(['/expiresAt']);
    });
  });
});

describe('authorization and tenancy', () => {
  it('answers a viewer writing with 403 PERMISSION_DENIED on every write route', () =>
    expectNoChange(async () => {
      const name = unique('viewer-write');
      const attempts: Array<[string, string, unknown]> = [
        ['POST', '/api/v1/agents', agentDoc(name)],
        ['PUT', `/api/v1/agents/${SHARED_NAME}`, agentDoc(SHARED_NAME, 'viewer was here')],
        ['DELETE', `/api/v1/agents/${SHARED_NAME}`, undefined],
        ['POST', `/api/v1/agents/${SHARED_NAME}/versions?publish=true`, { spec: agentDoc('x').spec }],
        ['PUT', `/api/v1/agents/${SHARED_NAME}/versions/1`, { spec: agentDoc('x').spec }],
        ['POST', `/api/v1/agents/${SHARED_NAME}/versions/1:deprecate`, undefined],
        ['POST', `/api/v1/agents/${SHARED_NAME}:rollback`, {}],
        ['POST', '/api/v1/model-backends', backendDoc(name)],
        ['DELETE', '/api/v1/model-backends/backend', undefined],
        ['POST', '/api/v1/apply', { items: [agentDoc(name)] }],
        ['POST', '/api/v1/principals', { name, roles: ['admin'] }],
        ['POST', '/api/v1/api-keys', { principal: 'viewer' }],
      ];
      for (const [method, path, body] of attempts) {
        const reply = await send(method, path, { body, apiKey: viewerKey });
        expect({ method, path, status: reply.status }).toEqual({ method, path, status: 403 });
        expectProblem(reply, 403, 'PERMISSION_DENIED');
      }
    }));

  it("answers another tenant's agent with 404, never 403, on every route", () =>
    expectNoChange(async () => {
      const attempts: Array<[string, string, unknown]> = [
        ['GET', '/api/v1/agents/b-only', undefined],
        ['PUT', '/api/v1/agents/b-only?publish=true', agentDoc('b-only', 'taken over')],
        ['DELETE', '/api/v1/agents/b-only', undefined],
        ['GET', '/api/v1/agents/b-only/versions', undefined],
        ['GET', '/api/v1/agents/b-only/versions/1', undefined],
        ['POST', '/api/v1/agents/b-only/versions?publish=true', { spec: agentDoc('x').spec }],
        ['PUT', '/api/v1/agents/b-only/versions/1', { spec: agentDoc('x').spec }],
        ['POST', '/api/v1/agents/b-only/versions/1:publish', undefined],
        ['POST', '/api/v1/agents/b-only/versions/1:deprecate', undefined],
        ['POST', '/api/v1/agents/b-only:rollback', {}],
      ];
      for (const [method, path, body] of attempts) {
        const reply = await send(method, path, { body });
        expect({ method, path, status: reply.status }).toEqual({ method, path, status: 404 });
        expectProblem(reply, 404, 'NOT_FOUND');
      }
    }));

  it("never lists another tenant's agents, and a same-named agent stays each tenant's own", () =>
    expectNoChange(async () => {
      const names = async (key: string) =>
        (await send<Page<Agent>>('GET', '/api/v1/agents?limit=500', { apiKey: key })).body.items.map(
          (agent) => agent.metadata.name,
        );
      const inDefault = await names(t.adminKey);
      const inB = await names(tenantBKey);
      expect(inDefault).toContain('default-only');
      expect(inDefault).not.toContain('b-only');
      expect(inB).toEqual(['b-only', SHARED_NAME]);

      const ownShared = await send<Agent>('GET', `/api/v1/agents/${SHARED_NAME}`);
      const theirShared = await send<Agent>('GET', `/api/v1/agents/${SHARED_NAME}`, { apiKey: tenantBKey });
      expect(ownShared.body.spec.systemPrompt).toBe('owned by default');
      expect(theirShared.body.spec.systemPrompt).toBe(`owned by ${TENANT_B}`);
      expect(ownShared.body.metadata.uid).not.toBe(theirShared.body.metadata.uid);
    }));

  it("answers a tenant admin reaching for the default tenant's objects with 404", () =>
    expectNoChange(async () => {
      for (const [method, path, body] of [
        ['GET', '/api/v1/agents/default-only', undefined],
        ['DELETE', '/api/v1/agents/default-only', undefined],
        ['PUT', '/api/v1/agents/default-only', agentDoc('default-only', 'from b')],
        ['GET', '/api/v1/model-backends/backend', undefined],
        ['DELETE', '/api/v1/model-backends/backend', undefined],
        ['GET', '/api/v1/principals/viewer', undefined],
        ['GET', '/api/v1/principals?tenant=default', undefined],
        ['POST', '/api/v1/api-keys?tenant=default', { principal: 'admin' }],
      ] as const) {
        const reply = await send(method, path, { body, apiKey: tenantBKey });
        expect({ method, path, status: reply.status }).toEqual({ method, path, status: 404 });
        expectProblem(reply, 404, 'NOT_FOUND');
      }
    }));

  it('answers a stale ETag with 409 STALE_RESOURCE_VERSION on every conditional write', async () => {
    const name = unique('stale');
    expect((await send('POST', '/api/v1/agents?publish=true', { body: agentDoc(name) })).status).toBe(201);
    expect((await send('PUT', `/api/v1/agents/${name}`, { body: agentDoc(name, 'second') })).status).toBe(
      200,
    );
    const backend = unique('stale-backend');
    expect((await send('POST', '/api/v1/model-backends', { body: backendDoc(backend) })).status).toBe(201);
    const changed = { ...backendDoc(backend), spec: { ...backendDoc(backend).spec, models: ['other'] } };
    expect((await send('PUT', `/api/v1/model-backends/${backend}`, { body: changed })).status).toBe(200);
    const stale = { 'if-match': '"1"' };

    await expectNoChange(async () => {
      const attempts: Array<[string, string, unknown]> = [
        ['PUT', `/api/v1/agents/${name}?publish=true`, agentDoc(name, 'third')],
        ['DELETE', `/api/v1/agents/${name}`, undefined],
        ['POST', `/api/v1/agents/${name}/versions`, { spec: agentDoc('x').spec }],
        ['POST', `/api/v1/agents/${name}/versions/2:publish`, undefined],
        ['PUT', `/api/v1/model-backends/${backend}`, backendDoc(backend)],
        ['DELETE', `/api/v1/model-backends/${backend}`, undefined],
      ];
      for (const [method, path, body] of attempts) {
        const reply = await send(method, path, { body, headers: stale });
        expect({ method, path, status: reply.status }).toEqual({ method, path, status: 409 });
        expectProblem(reply, 409, 'STALE_RESOURCE_VERSION');
      }
    });
  });

  it('answers an If-Match that is no ETag of this server with 400', () =>
    expectNoChange(async () => {
      const reply = await send('PUT', `/api/v1/agents/${SHARED_NAME}`, {
        body: agentDoc(SHARED_NAME, 'changed'),
        headers: { 'if-match': '"abc"' },
      });
      expect(pointers(expectProblem(reply, 400, 'INVALID_REQUEST'))).toEqual(['/headers/if-match']);
    }));
});

describe('protocol', () => {
  it('puts an x-request-id on every response, errors included', () =>
    expectNoChange(async () => {
      const replies = [
        await send('GET', '/healthz', { apiKey: null }),
        await send('GET', '/api/v1/agents'),
        await send('POST', '/api/v1/agents', { body: '{' }),
        await send('GET', '/api/v1/agents', { apiKey: 'ak_wrong' }),
        await send('GET', '/api/v1/no-such-route'),
        await send('PATCH', '/api/v1/agents'),
        await send('POST', '/api/v1/agents', { body: 'x', headers: { 'content-type': 'text/plain' } }),
      ];
      const ids = replies.map((reply) => reply.headers.get('x-request-id'));
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      expect(new Set(ids).size).toBe(ids.length);
      const problem = ProblemSchema.parse(replies[2]?.body);
      expect(problem.requestId).toBe(ids[2]);
    }));

  it('echoes a valid incoming x-request-id, on success and on error', () =>
    expectNoChange(async () => {
      const id = `trace-${randomUUID()}`;
      const ok = await send('GET', '/api/v1/agents', { headers: { 'x-request-id': id } });
      expect(ok.headers.get('x-request-id')).toBe(id);
      const failed = await send('GET', '/api/v1/agents/NOPE', { headers: { 'x-request-id': id } });
      expect(failed.headers.get('x-request-id')).toBe(id);
      expect(ProblemSchema.parse(failed.body).requestId).toBe(id);
    }));

  it('replaces an incoming x-request-id that is not a safe token', () =>
    expectNoChange(async () => {
      for (const bad of ['has spaces', 'x'.repeat(129), '<script>']) {
        const reply = await send('GET', '/api/v1/agents', { headers: { 'x-request-id': bad } });
        const id = reply.headers.get('x-request-id');
        expect(id).not.toBe(bad);
        expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      }
    }));

  it('answers an unsupported content type with 415', () =>
    expectNoChange(async () => {
      const name = unique('media');
      for (const [path, type, body] of [
        ['/api/v1/agents', 'text/plain', JSON.stringify(agentDoc(name))],
        ['/api/v1/agents', 'application/yaml', stringify(agentDoc(name))],
        ['/api/v1/apply', 'text/csv', 'a,b'],
        ['/api/v1/apply', 'application/x-www-form-urlencoded', 'items=1'],
      ] as const) {
        const reply = await send('POST', path, { body, headers: { 'content-type': type } });
        expect({ path, type, status: reply.status }).toEqual({ path, type, status: 415 });
        expectProblem(reply, 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
    }));

  it('answers an unknown route with a 404 ROUTE_NOT_FOUND problem', () =>
    expectNoChange(async () => {
      for (const path of ['/api/v1/gadgets', '/api/v2/agents', '/nope']) {
        const reply = await send('GET', path);
        expectProblem(reply, 404, 'ROUTE_NOT_FOUND');
        expect(reply.headers.get('x-request-id')).toBeTruthy();
      }
    }));

  it('answers a known path with the wrong method with 405 and an Allow header', () =>
    expectNoChange(async () => {
      const cases = [
        ['PATCH', '/api/v1/agents', ['GET', 'POST']],
        ['POST', `/api/v1/agents/${SHARED_NAME}`, ['DELETE', 'GET', 'PUT']],
        ['GET', '/api/v1/apply', ['POST']],
        ['DELETE', '/api/v1/whoami', ['GET']],
      ] as const;
      for (const [method, path, allowed] of cases) {
        const reply = await send(method, path, { body: method === 'GET' ? undefined : {} });
        expectProblem(reply, 405, 'METHOD_NOT_ALLOWED');
        const allow = (reply.headers.get('allow') ?? '').split(',').map((m) => m.trim());
        expect({ method, path, allow: allow.sort() }).toEqual({ method, path, allow: [...allowed] });
      }
    }));
});
