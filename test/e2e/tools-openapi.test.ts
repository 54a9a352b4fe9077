import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Page, ToolInfo, ToolInvokeResult } from '../../src/contracts/index.ts';
import { REPO_ROOT, runActl } from '../support/cli.ts';
import { expectProblem, type SendOptions, sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

/** `type: openapi`: a petstore-style document becomes one tool per operation. */
let t: TestPlatform;
let petstore: Server;
let base: string;
const pets: Array<{ id: string; name: string; tag?: string }> = [{ id: 'p1', name: 'Rex', tag: 'dog' }];
const calls: Array<{ method: string; url: string; authorization?: string | undefined }> = [];
const DOCUMENT = parse(readFileSync(`${REPO_ROOT}test/fixtures/petstore.yaml`, 'utf8')) as Record<
  string,
  unknown
>;

beforeAll(async () => {
  // TEST DOUBLE of the petstore API the document describes.
  petstore = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    calls.push({
      method: request.method ?? '',
      url: request.url ?? '',
      authorization: request.headers.authorization,
    });
    const url = new URL(request.url ?? '/', 'http://x');
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    if (url.pathname === '/openapi.json') return json(200, DOCUMENT);
    if (url.pathname === '/v1/pets' && request.method === 'GET')
      return json(200, pets.slice(0, Number(url.searchParams.get('limit') ?? 100)));
    if (url.pathname === '/v1/pets' && request.method === 'POST') {
      const pet = {
        id: `p${pets.length + 1}`,
        ...(JSON.parse(Buffer.concat(chunks).toString()) as { name: string }),
      };
      pets.push(pet);
      return json(201, pet);
    }
    const match = /^\/v1\/pets\/([^/]+)$/.exec(url.pathname);
    const pet = match
      ? pets.find((candidate) => candidate.id === decodeURIComponent(match[1] as string))
      : undefined;
    if (pet) return json(200, pet);
    return json(404, { error: 'no such pet' });
  });
  await new Promise<void>((resolve) => petstore.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(petstore.address() as AddressInfo).port}`;
  t = await startTestPlatform();
  await send('PUT', '/api/v1/secrets/petstore-key', { body: { data: { key: 'pk-petstore-77' } } });
});

afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => petstore?.close(resolve));
});

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);
const invoke = (name: string, args: object) =>
  send<ToolInvokeResult>('POST', `/api/v1/tools/${name}:invoke`, { body: { arguments: args } });

const openapiTool = (name: string, config: Record<string, unknown>) => ({
  apiVersion: 'agenticai.dev/v1alpha1',
  kind: 'Tool',
  metadata: { name },
  spec: {
    type: 'openapi',
    config: { internal: true, ...config },
    authentication: { type: 'header', header: 'Authorization', secretRef: { name: 'petstore-key' } },
  },
});

describe('OpenAPI tools', () => {
  it('registers one tool per operation of the selected tags, with parameters and body as JSON Schema', async () => {
    const applied = await send('POST', '/api/v1/apply', {
      body: { items: [openapiTool('pets', { document: DOCUMENT, server: `${base}/v1`, tags: ['pets'] })] },
    });
    expect(applied.status).toBe(200);
    const tools = await send<Page<ToolInfo>>('GET', '/api/v1/tools?type=openapi');
    expect(tools.body.items.map((tool) => tool.name).sort()).toEqual([
      'pets__createPet',
      'pets__listPets',
      'pets__showPetById',
    ]);
    const create = tools.body.items.find((tool) => tool.name === 'pets__createPet');
    expect(create?.parameters).toMatchObject({
      type: 'object',
      required: ['body'],
      properties: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
    });
    const show = tools.body.items.find((tool) => tool.name === 'pets__showPetById');
    expect(show?.parameters).toMatchObject({
      required: ['petId'],
      properties: { petId: { type: 'string' } },
    });
    expect(show?.annotations.readOnly).toBe(true);
    expect(create?.annotations.readOnly).toBe(false);
  });

  it('calls operations with path, query and body filled in, and the credentials injected', async () => {
    const listed = await invoke('pets__listPets', { limit: 1 });
    expect(listed.body.structuredContent).toEqual([{ id: 'p1', name: 'Rex', tag: 'dog' }]);
    expect(calls.at(-1)).toMatchObject({
      method: 'GET',
      url: '/v1/pets?limit=1',
      authorization: 'pk-petstore-77',
    });
    const created = await invoke('pets__createPet', { body: { name: 'Tom', tag: 'cat' } });
    expect(created.body.structuredContent).toMatchObject({ id: 'p2', name: 'Tom' });
    const shown = await invoke('pets__showPetById', { petId: 'p2' });
    expect(shown.body.structuredContent).toMatchObject({ name: 'Tom' });
    expect(calls.at(-1)?.url).toBe('/v1/pets/p2');
  });

  it('checks arguments against the operation’s schema before calling', async () => {
    const before = calls.length;
    const reply = await send('POST', '/api/v1/tools/pets__createPet:invoke', {
      body: { arguments: { body: { tag: 'x' } } },
    });
    expect(expectProblem(reply, 400, 'INVALID_REQUEST').errors?.[0]?.pointer).toBe('/arguments/body/name');
    expect(calls.length).toBe(before);
  });

  it('fetches a document from its URL (resolving its servers against it) and picks operations by id', async () => {
    await send('POST', '/api/v1/apply', {
      body: {
        items: [
          openapiTool('petsapi', {
            documentUrl: `${base}/openapi.json`,
            server: `${base}/v1`,
            operations: ['deletePet'],
          }),
        ],
      },
    });
    const tools = await send<Page<ToolInfo>>('GET', '/api/v1/tools?search=petsapi');
    expect(tools.body.items.map((tool) => tool.name)).toEqual(['petsapi__deletePet']);
  });

  it('shows why a document could not be loaded, and refuses a document URL on a private address', async () => {
    await send('POST', '/api/v1/apply', {
      body: {
        items: [
          {
            ...openapiTool('guarded', { documentUrl: `${base}/openapi.json` }),
            spec: { type: 'openapi', config: { documentUrl: `${base}/openapi.json` } },
          },
        ],
      },
    });
    const info = await send<ToolInfo>('GET', '/api/v1/tools/guarded');
    expect(info.body.description).toMatch(/unavailable: .*SSRF guard/);
    const call = await invoke('guarded', {});
    expect(call.body.isError).toBe(true);
  });

  it('refuses a config with neither or both of document and documentUrl', async () => {
    const reply = await send('POST', '/api/v1/tools', { body: openapiTool('nothing', {}) });
    expect(expectProblem(reply, 400, 'INVALID_REQUEST').errors?.[0]?.pointer).toBe('/spec/config');
  });

  it('actl apply reads a local documentFile, relative to the manifest, and sends it inline', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'openapi-file-'));
    try {
      copyFileSync(`${REPO_ROOT}test/fixtures/petstore.yaml`, join(folder, 'petstore.yaml'));
      const manifest = (config: string) =>
        `apiVersion: agenticai.dev/v1alpha1\nkind: Tool\nmetadata: {name: filepets}\nspec:\n  type: openapi\n  config: ${config}\n`;
      writeFileSync(
        join(folder, 'tool.yaml'),
        manifest(`{documentFile: petstore.yaml, server: '${base}/v1', tags: [pets]}`),
      );
      writeFileSync(join(folder, 'missing.yaml'), manifest('{documentFile: nowhere.yaml}'));
      writeFileSync(
        join(folder, 'both.yaml'),
        manifest(`{documentFile: petstore.yaml, documentUrl: '${base}/openapi.json'}`),
      );
      const env = { AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: t.adminKey };
      const applied = await runActl(['apply', '-f', join(folder, 'tool.yaml')], { env });
      expect(applied.code, applied.stderr).toBe(0);
      const tools = await send<Page<ToolInfo>>('GET', '/api/v1/tools?search=filepets');
      expect(tools.body.items.map((tool) => tool.name)).toContain('filepets__listPets');
      const missing = await runActl(['apply', '-f', join(folder, 'missing.yaml')], { env });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/documentFile: no such file .*nowhere\.yaml/);
      const both = await runActl(['apply', '-f', join(folder, 'both.yaml')], { env });
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('give one of spec.config.documentFile, document and documentUrl');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 30_000);
});
