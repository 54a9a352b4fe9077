import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type Agent,
  type AgentVersion,
  type ApiKeyCreated,
  type ApplyResult,
  type ModelBackend,
  type Page,
  type Problem,
  routes,
} from '../../src/contracts/index.ts';
import { expectProblem, type Reply, type SendOptions, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const ApplyResultSchema = {
  parse(value: unknown): ApplyResult {
    const schema = routes.apply.success.schema;
    if (!schema) throw new Error('the apply route declares no response schema');
    return schema.parse(value);
  },
};
const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/agents/', import.meta.url));

let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform();
});

afterAll(async () => {
  await t?.close();
});

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

function agentDoc(
  name: string,
  options: { prompt?: string; labels?: Record<string, string>; backend?: string } = {},
) {
  return {
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'Agent',
    metadata: { name, labels: options.labels ?? { team: 'apply' } },
    spec: {
      model: { backend: options.backend ?? 'local', name: 'test-model', temperature: 0 },
      systemPrompt: options.prompt ?? 'first',
      runtime: 'react',
    },
  };
}

function backendDoc(name: string, options: { models?: string[]; labels?: Record<string, string> } = {}) {
  return {
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'ModelBackend',
    metadata: { name, labels: options.labels ?? { trust: 'internal' } },
    spec: {
      type: 'openai-compatible',
      endpoint: 'http://127.0.0.1:8000/v1',
      models: options.models ?? ['test-model'],
    },
  };
}

async function apply(items: unknown[], query = '', apiKey?: string): Promise<Reply<ApplyResult | Problem>> {
  return send<ApplyResult | Problem>('POST', `/api/v1/apply${query}`, {
    body: { items },
    ...(apiKey ? { apiKey } : {}),
  });
}

async function applyYaml(text: string, query = ''): Promise<Reply<ApplyResult | Problem>> {
  return send<ApplyResult | Problem>('POST', `/api/v1/apply${query}`, {
    body: text,
    headers: { 'content-type': 'application/yaml' },
  });
}

function expectApplied(reply: Reply<unknown>): ApplyResult {
  expect(reply.status).toBe(200);
  return ApplyResultSchema.parse(reply.body);
}

const actions = (result: ApplyResult) =>
  result.items.map((item) => `${item.kind}/${item.name}:${item.action}`);

const getAgent = (name: string) => send<Agent>('GET', `/api/v1/agents/${name}`);
const getBackend = (name: string) => send<ModelBackend>('GET', `/api/v1/model-backends/${name}`);

async function versionsOf(name: string): Promise<AgentVersion[]> {
  const reply = await send<Page<AgentVersion>>('GET', `/api/v1/agents/${name}/versions?limit=500`);
  expect(reply.status).toBe(200);
  return reply.body.items;
}

async function keyFor(roles: string[]): Promise<string> {
  const name = unique(roles.join('-'));
  expect((await send('POST', '/api/v1/principals', { body: { name, roles } })).status).toBe(201);
  const key = await send<ApiKeyCreated>('POST', '/api/v1/api-keys', { body: { principal: name } });
  expect(key.status).toBe(201);
  return key.body.key;
}

describe('POST /api/v1/apply with JSON {items}', () => {
  it('creates every object, reports created, and publishes new agents as version 1', async () => {
    const agent = unique('json-agent');
    const backend = unique('json-backend');

    const result = expectApplied(await apply([backendDoc(backend), agentDoc(agent, { backend })]));

    expect(result.dryRun).toBe(false);
    expect(result.items).toEqual([
      { kind: 'ModelBackend', name: backend, action: 'created' },
      { kind: 'Agent', name: agent, action: 'created', version: 1 },
    ]);
    const stored = await getAgent(agent);
    expect(stored.status).toBe(200);
    expect(stored.body.status).toEqual({
      activeVersion: 1,
      latestVersion: 1,
      version: 1,
      phase: 'published',
    });
    expect(stored.body.spec.model.backend).toBe(backend);
    expect((await getBackend(backend)).status).toBe(200);
  });

  it('reports unchanged on a second identical apply and keeps resourceVersion and versions', async () => {
    const name = unique('idempotent');
    const backend = unique('idempotent-backend');
    const items = [agentDoc(name), backendDoc(backend)];
    expectApplied(await apply(items));
    const agentBefore = await getAgent(name);
    const backendBefore = await getBackend(backend);

    const second = expectApplied(await apply(items));

    expect(actions(second)).toEqual([`Agent/${name}:unchanged`, `ModelBackend/${backend}:unchanged`]);
    expect(second.items[0]?.version).toBe(1);
    const agentAfter = await getAgent(name);
    expect(agentAfter.body).toEqual(agentBefore.body);
    expect(agentAfter.headers.get('etag')).toBe(agentBefore.headers.get('etag'));
    expect((await getBackend(backend)).body).toEqual(backendBefore.body);
    expect(await versionsOf(name)).toHaveLength(1);
  });

  it('reports configured for a changed spec and publishes it as a new active version', async () => {
    const name = unique('changed');
    expectApplied(await apply([agentDoc(name, { prompt: 'one' })]));

    const result = expectApplied(await apply([agentDoc(name, { prompt: 'two' })]));

    expect(result.items).toEqual([{ kind: 'Agent', name, action: 'configured', version: 2 }]);
    const agent = (await getAgent(name)).body;
    expect(agent.status).toEqual({ activeVersion: 2, latestVersion: 2, version: 2, phase: 'published' });
    expect(agent.spec.systemPrompt).toBe('two');
    expect((await versionsOf(name)).map((v) => [v.version, v.status])).toEqual([
      [2, 'published'],
      [1, 'published'],
    ]);
  });

  it('reports configured for a label change without adding a version', async () => {
    const name = unique('relabel');
    expectApplied(await apply([agentDoc(name)]));

    const result = expectApplied(await apply([agentDoc(name, { labels: { team: 'other' } })]));

    expect(result.items).toEqual([{ kind: 'Agent', name, action: 'configured', version: 1 }]);
    expect((await getAgent(name)).body.metadata.labels).toEqual({ team: 'other' });
    expect(await versionsOf(name)).toHaveLength(1);
  });

  it('keeps a changed spec as a new draft with ?draft=true and leaves the active version live', async () => {
    const name = unique('draft');
    expectApplied(await apply([agentDoc(name, { prompt: 'live' })]));

    const result = expectApplied(await apply([agentDoc(name, { prompt: 'proposed' })], '?draft=true'));

    expect(result.items).toEqual([{ kind: 'Agent', name, action: 'configured', version: 2 }]);
    const agent = (await getAgent(name)).body;
    expect(agent.status).toEqual({ activeVersion: 1, latestVersion: 2, version: 1, phase: 'published' });
    expect(agent.spec.systemPrompt).toBe('live');
    const draft = await send<AgentVersion>('GET', `/api/v1/agents/${name}/versions/2`);
    expect(draft.body.status).toBe('draft');
    expect(draft.body.spec.systemPrompt).toBe('proposed');
  });

  it('publishes the pending draft, not a third version, when the same spec is applied without ?draft', async () => {
    const name = unique('draft-then-live');
    expectApplied(await apply([agentDoc(name, { prompt: 'live' })]));
    expectApplied(await apply([agentDoc(name, { prompt: 'proposed' })], '?draft=true'));

    const again = expectApplied(await apply([agentDoc(name, { prompt: 'proposed' })], '?draft=true'));
    expect(actions(again)).toEqual([`Agent/${name}:unchanged`]);

    const result = expectApplied(await apply([agentDoc(name, { prompt: 'proposed' })]));

    expect(result.items).toEqual([{ kind: 'Agent', name, action: 'configured', version: 2 }]);
    const agent = (await getAgent(name)).body;
    expect(agent.status).toEqual({ activeVersion: 2, latestVersion: 2, version: 2, phase: 'published' });
    expect(await versionsOf(name)).toHaveLength(2);
  });

  it('creates a new agent as an unpublished draft with ?draft=true', async () => {
    const name = unique('new-draft');

    const result = expectApplied(await apply([agentDoc(name)], '?draft=true'));

    expect(result.items).toEqual([{ kind: 'Agent', name, action: 'created', version: 1 }]);
    expect((await getAgent(name)).body.status).toEqual({
      activeVersion: null,
      latestVersion: 1,
      version: 1,
      phase: 'draft',
    });
  });

  it('reports what would happen with ?dryRun=true but writes nothing', async () => {
    const existing = unique('dry-existing');
    const fresh = unique('dry-fresh');
    const backend = unique('dry-backend');
    expectApplied(await apply([agentDoc(existing, { prompt: 'one' })]));
    const before = await getAgent(existing);

    const result = expectApplied(
      await apply(
        [agentDoc(existing, { prompt: 'two' }), agentDoc(fresh), backendDoc(backend)],
        '?dryRun=true',
      ),
    );

    expect(result.dryRun).toBe(true);
    expect(actions(result)).toEqual([
      `Agent/${existing}:configured`,
      `Agent/${fresh}:created`,
      `ModelBackend/${backend}:created`,
    ]);
    expectProblem(await getAgent(fresh), 404, 'NOT_FOUND');
    expectProblem(await getBackend(backend), 404, 'NOT_FOUND');
    expect((await getAgent(existing)).body).toEqual(before.body);
    expect(await versionsOf(existing)).toHaveLength(1);
  });

  it('lets an Agent and a ModelBackend share a name', async () => {
    const name = unique('shared');

    const result = expectApplied(await apply([agentDoc(name), backendDoc(name)]));

    expect(actions(result)).toEqual([`Agent/${name}:created`, `ModelBackend/${name}:created`]);
  });

  it('lets concurrent applies of the same change all succeed: one configured, the rest unchanged', async () => {
    const name = unique('concurrent');
    expectApplied(await apply([agentDoc(name, { prompt: 'one' })]));

    // Several rounds: each is one race, and a lost race must never surface as an error.
    const rounds: string[][] = [];
    for (const prompt of ['two', 'three', 'four']) {
      const replies = await Promise.all([1, 2, 3, 4, 5, 6].map(() => apply([agentDoc(name, { prompt })])));
      rounds.push(
        replies
          .map((reply) =>
            reply.status === 200
              ? String(ApplyResultSchema.parse(reply.body).items[0]?.action)
              : `${reply.status} ${(reply.body as Problem).code}`,
          )
          .sort(),
      );
    }

    const expected = ['configured', ...Array<string>(5).fill('unchanged')];
    expect(rounds).toEqual([expected, expected, expected]);
    expect(await versionsOf(name)).toHaveLength(4);
  });
});

describe('POST /api/v1/apply with application/yaml', () => {
  it('applies every document of a multi-document YAML body', async () => {
    const first = unique('yaml-a');
    const second = unique('yaml-b');
    const backend = unique('yaml-backend');
    const text = `# leading comment\n---\n${[agentDoc(first), agentDoc(second), backendDoc(backend)]
      .map((doc) => stringify(doc))
      .join('---\n')}---\n`;

    const result = expectApplied(await applyYaml(text));

    expect(actions(result)).toEqual([
      `Agent/${first}:created`,
      `Agent/${second}:created`,
      `ModelBackend/${backend}:created`,
    ]);
    expect((await getAgent(second)).body.status.activeVersion).toBe(1);
  });

  it('accepts the text/yaml and application/x-yaml media types too', async () => {
    for (const type of ['text/yaml', 'application/x-yaml; charset=utf-8']) {
      const name = unique('yaml-type');
      const reply = await send<ApplyResult>('POST', '/api/v1/apply', {
        body: stringify(agentDoc(name)),
        headers: { 'content-type': type },
      });
      expect(actions(expectApplied(reply))).toEqual([`Agent/${name}:created`]);
    }
  });

  it('applies the real examples/agents/ files, then reports every object unchanged on a second apply', async () => {
    const files = readdirSync(EXAMPLES_DIR)
      .filter((file) => /\.ya?ml$/.test(file))
      .sort();
    expect(files.length).toBeGreaterThan(0);
    const text = files.map((file) => readFileSync(join(EXAMPLES_DIR, file), 'utf8')).join('\n---\n');

    const first = expectApplied(await applyYaml(text));

    expect(first.items.length).toBeGreaterThanOrEqual(files.length);
    expect(new Set(first.items.map((item) => item.action))).toEqual(new Set(['created']));
    expect(first.items.map((item) => item.kind)).toContain('ModelBackend');
    for (const item of first.items.filter((i) => i.kind === 'Agent')) {
      const agent = await getAgent(item.name);
      expect(agent.status).toBe(200);
      expect(agent.body.status.activeVersion).toBe(1);
    }
    const secops = await getAgent('secops-triage');
    expect(secops.body.spec.limits).toEqual({ maxSteps: 12, maxTokens: 20000, timeout: '5m' });
    expect(secops.body.metadata.labels).toEqual({ team: 'secops', scenario: 'abnormal-login' });

    const second = expectApplied(await applyYaml(text));

    expect(new Set(second.items.map((item) => item.action))).toEqual(new Set(['unchanged']));
    expect(second.items.map((item) => item.name)).toEqual(first.items.map((item) => item.name));
  });
});

describe('POST /api/v1/apply validates everything before writing anything', () => {
  it('rejects a request with one invalid document among valid ones, naming its pointer, and writes none', async () => {
    const before = unique('valid-before');
    const after = unique('valid-after');
    const backend = unique('valid-backend');
    const broken = agentDoc(unique('broken')) as { spec: Record<string, unknown> };
    delete broken.spec.model;

    const reply = await apply([agentDoc(before), broken, agentDoc(after), backendDoc(backend)]);

    const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
    expect(problem.errors?.map((error) => error.pointer)).toEqual(['/items/1/spec/model']);
    expectProblem(await getAgent(before), 404, 'NOT_FOUND');
    expectProblem(await getAgent(after), 404, 'NOT_FOUND');
    expectProblem(await getBackend(backend), 404, 'NOT_FOUND');
  });

  it('rejects an invalid YAML document among valid ones and writes none', async () => {
    const good = unique('yaml-good');
    const bad = agentDoc(unique('yaml-bad')) as { spec: { model: Record<string, unknown> } };
    bad.spec.model.temperature = 'hot';

    const reply = await applyYaml([agentDoc(good), bad].map((doc) => stringify(doc)).join('---\n'));

    const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
    expect(problem.errors?.map((error) => error.pointer)).toEqual(['/items/1/spec/model/temperature']);
    expectProblem(await getAgent(good), 404, 'NOT_FOUND');
  });

  it('reports every invalid document, not only the first', async () => {
    const badKind = { ...agentDoc(unique('bad-kind')), kind: 'Gadget' };
    const badBackend = backendDoc(unique('bad-endpoint')) as { spec: Record<string, unknown> };
    badBackend.spec.endpoint = 'ftp://example.com';

    const reply = await apply([badKind, agentDoc(unique('fine')), badBackend]);

    const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
    expect(problem.errors?.map((error) => error.pointer)).toEqual([
      '/items/0/kind',
      '/items/2/spec/endpoint',
    ]);
  });

  it('does not change existing objects when a later document is invalid', async () => {
    const name = unique('kept');
    expectApplied(await apply([agentDoc(name, { prompt: 'one' })]));
    const before = await getAgent(name);

    const reply = await apply([agentDoc(name, { prompt: 'two' }), { ...backendDoc('x'), spec: {} }]);

    expectProblem(reply, 400, 'INVALID_REQUEST');
    expect((await getAgent(name)).body).toEqual(before.body);
  });

  it('rejects the same kind and name twice with 400 pointing at the duplicate, and writes none', async () => {
    const name = unique('twice');
    const other = unique('other');

    const reply = await apply([agentDoc(name), agentDoc(other), agentDoc(name, { prompt: 'again' })]);

    const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
    expect(problem.errors?.map((error) => error.pointer)).toEqual(['/items/2/metadata/name']);
    expect(problem.errors?.[0]?.detail).toContain(`Agent/${name}`);
    expectProblem(await getAgent(name), 404, 'NOT_FOUND');
    expectProblem(await getAgent(other), 404, 'NOT_FOUND');
  });

  it('rejects an empty item list and an items value that is not a list', async () => {
    const empty = expectProblem(await apply([]), 400, 'INVALID_REQUEST');
    expect(empty.errors?.[0]?.pointer).toBe('/items');
    expectProblem(await send('POST', '/api/v1/apply', { body: { items: {} } }), 400, 'INVALID_REQUEST');
    const scalar = expectProblem(await apply(['just a string']), 400, 'INVALID_REQUEST');
    expect(scalar.errors?.[0]?.pointer).toBe('/items/0');
  });

  it('rejects a YAML body with no documents', async () => {
    expectProblem(await applyYaml('# nothing here\n---\n'), 400, 'MALFORMED_BODY');
  });

  it('rejects a wrong apiVersion with a pointer at it', async () => {
    const name = unique('api-version');
    const problem = expectProblem(
      await apply([{ ...agentDoc(name), apiVersion: 'agenticai.dev/v2' }]),
      400,
      'INVALID_REQUEST',
    );
    expect(problem.errors?.[0]?.pointer).toBe('/items/0/apiVersion');
    expectProblem(await getAgent(name), 404, 'NOT_FOUND');
  });
});

describe('POST /api/v1/apply of ModelBackend objects', () => {
  it('reports created, then unchanged, then configured as the spec changes', async () => {
    const name = unique('backend');

    const created = expectApplied(await apply([backendDoc(name)]));
    expect(created.items).toEqual([{ kind: 'ModelBackend', name, action: 'created' }]);
    const stored = await getBackend(name);
    expect(stored.body.spec.models).toEqual(['test-model']);

    const unchanged = expectApplied(await apply([backendDoc(name)]));
    expect(unchanged.items).toEqual([{ kind: 'ModelBackend', name, action: 'unchanged' }]);
    expect((await getBackend(name)).body).toEqual(stored.body);

    const configured = expectApplied(await apply([backendDoc(name, { models: ['a', 'b'] })]));
    expect(configured.items).toEqual([{ kind: 'ModelBackend', name, action: 'configured' }]);
    const changed = await getBackend(name);
    expect(changed.body.spec.models).toEqual(['a', 'b']);
    expect(changed.body.metadata.resourceVersion).not.toBe(stored.body.metadata.resourceVersion);
  });

  it('reports configured when only the labels of a backend change', async () => {
    const name = unique('backend-labels');
    expectApplied(await apply([backendDoc(name)]));

    const result = expectApplied(await apply([backendDoc(name, { labels: { trust: 'external' } })]));

    expect(result.items).toEqual([{ kind: 'ModelBackend', name, action: 'configured' }]);
    expect((await getBackend(name)).body.metadata.labels).toEqual({ trust: 'external' });
  });
});

describe('POST /api/v1/apply permissions', () => {
  it('refuses a viewer with 403 and writes nothing', async () => {
    const viewerKey = await keyFor(['viewer']);
    const agent = unique('viewer-agent');
    const backend = unique('viewer-backend');

    const reply = await apply([agentDoc(agent), backendDoc(backend)], '', viewerKey);

    expectProblem(reply, 403, 'PERMISSION_DENIED');
    expectProblem(await getAgent(agent), 404, 'NOT_FOUND');
    expectProblem(await getBackend(backend), 404, 'NOT_FOUND');
  });

  it('refuses a viewer even a dry run of a change', async () => {
    const viewerKey = await keyFor(['viewer']);

    expectProblem(
      await apply([agentDoc(unique('dry'))], '?dryRun=true', viewerKey),
      403,
      'PERMISSION_DENIED',
    );
  });

  it('lets a developer apply agents', async () => {
    const developerKey = await keyFor(['developer']);
    const name = unique('dev-agent');

    const result = expectApplied(await apply([agentDoc(name)], '', developerKey));

    expect(actions(result)).toEqual([`Agent/${name}:created`]);
  });

  it('refuses a developer a request that holds a ModelBackend, writing not even its agents', async () => {
    const developerKey = await keyFor(['developer']);
    const agent = unique('dev-mixed');
    const backend = unique('dev-backend');

    const reply = await apply([agentDoc(agent), backendDoc(backend)], '', developerKey);

    const problem = expectProblem(reply, 403, 'PERMISSION_DENIED');
    expect(problem.detail).toContain('ModelBackend');
    expectProblem(await getAgent(agent), 404, 'NOT_FOUND');
    expectProblem(await getBackend(backend), 404, 'NOT_FOUND');
  });

  it('refuses a request without credentials with 401', async () => {
    const response = await t.request('POST', '/api/v1/apply', {
      body: { items: [agentDoc(unique('anon'))] },
      apiKey: null,
    });

    expect(response.status).toBe(401);
  });
});
