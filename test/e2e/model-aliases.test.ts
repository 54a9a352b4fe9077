import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type ApiKeyCreated,
  type ApplyResult,
  type ModelAlias,
  ModelAliasSchema,
  type Page,
  type Problem,
} from '../../src/contracts/index.ts';
import { type ActlResult, runActl } from '../support/cli.ts';
import { expectProblem, type SendOptions, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let t: TestPlatform;
let scratch: string;

beforeAll(async () => {
  t = await startTestPlatform();
  scratch = mkdtempSync(join(tmpdir(), 'actl-aliases-'));
});

afterAll(async () => {
  await t?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

function backendDoc(name: string, models: string[] = ['qwen-7b', 'qwen-14b']) {
  return {
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'ModelBackend',
    metadata: { name },
    spec: { type: 'openai-compatible', endpoint: 'http://127.0.0.1:8000/v1', models },
  };
}

type Target = { backend: string; model?: string; weight?: number };

function aliasDoc(name: string, targets: Target[], labels: Record<string, string> = { team: 'soc' }) {
  return {
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'ModelAlias',
    metadata: { name, labels },
    spec: { routing_strategy: 'weighted', targets, fallbacks: ['cheap-chat'] },
  };
}

const canary = (backend: string): Target[] => [
  { backend, model: 'qwen-7b', weight: 80 },
  { backend, model: 'qwen-14b', weight: 20 },
];

const yamlOf = (...manifests: object[]) => manifests.map((m) => stringify(m)).join('---\n');

const applyYaml = (text: string, query = '') =>
  send<ApplyResult | Problem>('POST', `/api/v1/apply${query}`, {
    body: text,
    headers: { 'content-type': 'application/yaml' },
  });

const getAlias = (name: string) => send<ModelAlias>('GET', `/api/v1/model-aliases/${name}`);

const pointers = (problem: Problem) => (problem.errors ?? []).map((error) => error.pointer);

/** A backend and a canary alias over it, applied from one file; returns their names. */
async function applied(): Promise<{ backend: string; alias: string }> {
  const backend = unique('vllm');
  const alias = unique('analyst');
  const reply = await applyYaml(yamlOf(backendDoc(backend), aliasDoc(alias, canary(backend))));
  expect(reply.status).toBe(200);
  return { backend, alias };
}

describe('kind ModelAlias through POST /api/v1/apply', () => {
  it('writes the backends of one file before its aliases, and reports in the order of the documents', async () => {
    const backend = unique('vllm');
    const alias = unique('analyst');
    const text = yamlOf(aliasDoc(alias, canary(backend)), backendDoc(backend));

    const first = await applyYaml(text);
    const second = await applyYaml(text);

    expect(first.status).toBe(200);
    expect((first.body as ApplyResult).items).toEqual([
      { kind: 'ModelAlias', name: alias, action: 'created' },
      { kind: 'ModelBackend', name: backend, action: 'created' },
    ]);
    expect((second.body as ApplyResult).items.map((item) => item.action)).toEqual(['unchanged', 'unchanged']);
    const stored = await getAlias(alias);
    expect(stored.status).toBe(200);
    expect(stored.headers.get('etag')).toBe('"1"');
    expect(ModelAliasSchema.parse(stored.body)).toEqual(stored.body);
    expect(stored.body.spec).toEqual({
      routing_strategy: 'weighted',
      targets: canary(backend),
      fallbacks: ['cheap-chat'],
    });
  });

  it('rejects a target naming a backend the tenant lacks, pointing at the field, and writes nothing', async () => {
    const backend = unique('vllm');
    const alias = unique('orphan');
    const text = yamlOf(backendDoc(backend), aliasDoc(alias, [{ backend: 'nowhere', model: 'm' }]));

    const problem = expectProblem(await applyYaml(text), 400, 'INVALID_REQUEST');

    expect(pointers(problem)).toEqual(['/items/1/spec/targets/0/backend']);
    expect(problem.errors?.[0]?.detail).toContain('no ModelBackend "nowhere"');
    expectProblem(await getAlias(alias), 404, 'NOT_FOUND');
    expectProblem(await send('GET', `/api/v1/model-backends/${backend}`), 404, 'NOT_FOUND');
  });

  it('rejects a model the backend does not serve, and a missing model when it serves several', async () => {
    const backend = unique('vllm');
    const text = yamlOf(
      backendDoc(backend),
      aliasDoc(unique('typo'), [
        { backend, model: 'qwen-7b' },
        { backend, model: 'llama-70b' },
      ]),
      aliasDoc(unique('vague'), [{ backend }]),
    );

    const problem = expectProblem(await applyYaml(text), 400, 'INVALID_REQUEST');

    expect(pointers(problem)).toEqual(['/items/1/spec/targets/1/model', '/items/2/spec/targets/0/model']);
    expect(problem.errors?.[0]?.detail).toContain('does not serve "llama-70b"; it serves qwen-7b, qwen-14b');
    expect(problem.errors?.[1]?.detail).toContain('serves several models');
  });

  it('accepts a target without a model when the backend serves exactly one', async () => {
    const backend = unique('single');
    const alias = unique('only');

    const reply = await applyYaml(yamlOf(backendDoc(backend, ['m']), aliasDoc(alias, [{ backend }])));

    expect(reply.status).toBe(200);
    expect((await getAlias(alias)).body.spec.targets).toEqual([{ backend }]);
  });

  it('checks a dry run against the backends of the same request, and writes nothing', async () => {
    const backend = unique('dry');
    const alias = unique('dry-alias');

    const reply = await applyYaml(
      yamlOf(backendDoc(backend), aliasDoc(alias, canary(backend))),
      '?dryRun=true',
    );

    expect(reply.status).toBe(200);
    expect((reply.body as ApplyResult).items.map((item) => item.action)).toEqual(['created', 'created']);
    expectProblem(await getAlias(alias), 404, 'NOT_FOUND');
  });
});

describe('/api/v1/model-aliases', () => {
  it('lists aliases by name with a label selector and cursors', async () => {
    const team = unique('team');
    const backend = unique('vllm');
    expect((await send('POST', '/api/v1/model-backends', { body: backendDoc(backend) })).status).toBe(201);
    for (const name of ['list-a', 'list-b', 'list-c']) {
      const body = aliasDoc(`${name}-${team}`, canary(backend), { team });
      expect((await send('POST', '/api/v1/model-aliases', { body })).status).toBe(201);
    }

    const first = await send<Page<ModelAlias>>(
      'GET',
      `/api/v1/model-aliases?labelSelector=team=${team}&limit=2`,
    );
    const cursor = encodeURIComponent(first.body.nextCursor ?? '');
    const second = await send<Page<ModelAlias>>(
      'GET',
      `/api/v1/model-aliases?labelSelector=team=${team}&limit=2&cursor=${cursor}`,
    );

    const names = (page: Page<ModelAlias>) => page.items.map((a) => a.metadata.name);
    expect(names(first.body)).toEqual([`list-a-${team}`, `list-b-${team}`]);
    expect(names(second.body)).toEqual([`list-c-${team}`]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('creates with a Location, rejects an unknown backend with a pointer, and a duplicate with 409', async () => {
    const { backend } = await applied();
    const name = unique('direct');

    const created = await send('POST', '/api/v1/model-aliases', { body: aliasDoc(name, canary(backend)) });
    const duplicate = await send('POST', '/api/v1/model-aliases', { body: aliasDoc(name, canary(backend)) });
    const unknown = await send('POST', '/api/v1/model-aliases', {
      body: aliasDoc(unique('bad'), [{ backend: 'nowhere', model: 'm' }]),
    });

    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/model-aliases/${name}`);
    expectProblem(duplicate, 409, 'ALREADY_EXISTS');
    expect(pointers(expectProblem(unknown, 400, 'INVALID_REQUEST'))).toEqual(['/spec/targets/0/backend']);
  });

  it('replaces with If-Match, rejects a stale ETag with 409 and a model the backend lacks with 400', async () => {
    const { backend, alias } = await applied();
    const read = await getAlias(alias);
    const etag = read.headers.get('etag') ?? '';
    const shifted = aliasDoc(alias, [
      { backend, model: 'qwen-7b', weight: 50 },
      { backend, model: 'qwen-14b', weight: 50 },
    ]);

    const replaced = await send<ModelAlias>('PUT', `/api/v1/model-aliases/${alias}`, {
      body: shifted,
      headers: { 'if-match': etag },
    });
    const stale = await send('PUT', `/api/v1/model-aliases/${alias}`, {
      body: aliasDoc(alias, canary(backend)),
      headers: { 'if-match': etag },
    });
    const wrongModel = await send('PUT', `/api/v1/model-aliases/${alias}`, {
      body: aliasDoc(alias, [{ backend, model: 'llama-70b' }]),
    });

    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('etag')).toBe('"2"');
    expect(replaced.body.spec.targets?.map((target) => target.weight)).toEqual([50, 50]);
    expectProblem(stale, 409, 'STALE_RESOURCE_VERSION');
    expect(pointers(expectProblem(wrongModel, 400, 'INVALID_REQUEST'))).toEqual(['/spec/targets/0/model']);
    expect((await getAlias(alias)).body).toEqual(replaced.body);
  });

  it('deletes with If-Match: a stale ETag changes nothing, the current one removes the alias', async () => {
    const { alias } = await applied();

    const stale = await send('DELETE', `/api/v1/model-aliases/${alias}`, { headers: { 'if-match': '"7"' } });
    const deleted = await send('DELETE', `/api/v1/model-aliases/${alias}`, {
      headers: { 'if-match': '"1"' },
    });

    expectProblem(stale, 409, 'STALE_RESOURCE_VERSION');
    expect(deleted.status).toBe(204);
    expectProblem(await getAlias(alias), 404, 'NOT_FOUND');
    expectProblem(await send('DELETE', `/api/v1/model-aliases/${alias}`), 404, 'NOT_FOUND');
  });

  it('lets a viewer read aliases but not write them, through the API or apply', async () => {
    const { backend, alias } = await applied();
    const principal = unique('viewer');
    expect(
      (await send('POST', '/api/v1/principals', { body: { name: principal, roles: ['viewer'] } })).status,
    ).toBe(201);
    const created = await send<ApiKeyCreated>('POST', '/api/v1/api-keys', { body: { principal } });
    expect(created.status).toBe(201);
    const key = created.body.key;

    const read = await send('GET', `/api/v1/model-aliases/${alias}`, { apiKey: key });
    const write = await send('POST', '/api/v1/model-aliases', {
      body: aliasDoc(unique('denied'), canary(backend)),
      apiKey: key,
    });
    const apply = await send('POST', '/api/v1/apply', {
      body: { items: [aliasDoc(unique('denied'), canary(backend))] },
      apiKey: key,
    });

    expect(read.status).toBe(200);
    expectProblem(write, 403, 'PERMISSION_DENIED');
    expectProblem(apply, 403, 'PERMISSION_DENIED');
  });
});

describe('actl and model aliases', () => {
  const actl = (args: string[]) =>
    runActl(args, { env: { AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: t.adminKey } });
  const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');
  function expectExit(result: ActlResult, code: number): void {
    expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
  }

  it('applies a file, shows STRATEGY and TARGETS in get modelaliases, and deletes an alias', async () => {
    const backend = unique('cli-vllm');
    const canaryName = unique('cli-canary');
    const cheapName = unique('cli-cheap');
    const file = join(scratch, `${canaryName}.yaml`);
    const cheap = {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'ModelAlias',
      metadata: { name: cheapName },
      spec: { routing_strategy: 'cost_optimized', capabilities: ['chat', 'security_analysis'] },
    };
    writeFileSync(file, yamlOf(aliasDoc(canaryName, canary(backend)), backendDoc(backend), cheap));

    const apply = await actl(['apply', '-f', file]);
    const table = await actl(['get', 'modelaliases']);
    const short = await actl(['get', 'ma', canaryName, '-o', 'json']);
    const removed = await actl(['delete', 'modelalias', cheapName]);
    const after = await actl(['get', 'aliases']);

    expectExit(apply, 0);
    expect(lines(apply.stdout)).toEqual([
      `modelalias/${canaryName} created`,
      `modelbackend/${backend} created`,
      `modelalias/${cheapName} created`,
    ]);
    expectExit(table, 0);
    const rows = lines(table.stdout).map((line) => line.trim().split(/\s{2,}/));
    expect(rows[0]).toEqual(['NAME', 'STRATEGY', 'TARGETS', 'AGE']);
    expect(rows).toContainEqual([
      canaryName,
      'weighted',
      `${backend}/qwen-7b,${backend}/qwen-14b`,
      expect.any(String),
    ]);
    expect(rows).toContainEqual([
      cheapName,
      'cost_optimized',
      'capabilities: chat,security_analysis',
      expect.any(String),
    ]);
    expectExit(short, 0);
    expect(ModelAliasSchema.parse(JSON.parse(short.stdout)).metadata.name).toBe(canaryName);
    expectExit(removed, 0);
    expect(removed.stdout.trim()).toBe(`modelalias/${cheapName} deleted`);
    expect(after.stdout).not.toContain(cheapName);
    expect(after.stdout).toContain(canaryName);
  });
});
