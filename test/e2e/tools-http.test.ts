import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ApplyResult, ToolInfo, ToolInvokeResult } from '../../src/contracts/index.ts';
import { expectProblem, type Reply, type SendOptions, sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { waitUntil } from '../support/runs.ts';

/**
 * HTTP tools (`kind: Tool`, type http / api) against a test double of a search service that
 * echoes what it received, so the test sees what the tool gateway sent.
 */
let t: TestPlatform;
let service: Server;
let base: string;
const seen: Array<{ path: string; authorization?: string | undefined; body: string }> = [];
const TOKEN = 'tok_search_4f1c2d9e8b7a';

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  // TEST DOUBLE of the search service and an OAuth token endpoint.
  service = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const body = await readBody(request);
    seen.push({ path: url.pathname, authorization: request.headers.authorization, body });
    if (url.pathname === '/token') {
      const ok =
        request.headers.authorization ===
        `Basic ${Buffer.from('soc-client:client-secret-9').toString('base64')}`;
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          ok ? { access_token: 'oauth-access-1', expires_in: 3600 } : { error: 'invalid_client' },
        ),
      );
      return;
    }
    if (url.pathname === '/big') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(1024 * 1024);
      for (let i = 0; i < 20; i++) response.write(chunk);
      response.end();
      return;
    }
    if (url.pathname === '/to-metadata') {
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      response.end();
      return;
    }
    if (url.pathname === '/missing') {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('no such item');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        data: {
          results: [{ title: `result for ${JSON.parse(body || '{}').query ?? url.searchParams.get('q')}` }],
          echo: {
            method: request.method,
            query: Object.fromEntries(url.searchParams),
            authorization: request.headers.authorization,
            body,
          },
        },
      }),
    );
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
  t = await startTestPlatform();
  await send('PUT', '/api/v1/secrets/search-api-token', { body: { data: { token: TOKEN } } });
  await send('PUT', '/api/v1/secrets/soc-oauth', { body: { data: { secret: 'client-secret-9' } } });
});

afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => service?.close(resolve));
});

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

/** Sends an `:invoke`; anything but a 200 fails here, with the reply in the message. */
async function invoke(path: string, options: SendOptions): Promise<Reply<ToolInvokeResult>> {
  const reply = await send<ToolInvokeResult>('POST', path, options);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply;
}

const textOf = (result: ToolInvokeResult) => result.content.map((part) => String(part.text ?? '')).join('');

/** Seed 002's Tool CRD example, as written (apiVersion aside). */
const SEED_TOOL = `apiVersion: agenticai.dev/v1alpha1
kind: Tool
metadata:
  name: web-search
  namespace: ai-agents
spec:
  type: api
  description: "Perform web search to retrieve latest information"
  config:
    endpoint: http://search-service/api/search
    method: POST
    timeout: 30s
  parameters:
    - name: query
      type: string
      required: true
      description: "Search query"
    - name: max_results
      type: integer
      default: 10
      description: "Maximum number of results"
  authentication:
    type: bearer
    secretRef:
      name: search-api-token
      key: token
`;

const tool = (name: string, spec: Record<string, unknown>) =>
  stringify({
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'Tool',
    metadata: { name, labels: { team: 'soc' } },
    spec,
  });

async function apply(yaml: string) {
  return t.request('POST', '/api/v1/apply', { body: yaml, headers: { 'content-type': 'application/yaml' } });
}

describe('HTTP tools', () => {
  it('applies seed 002’s Tool example as written, with its list-form parameters as a JSON Schema', async () => {
    const applied = await apply(SEED_TOOL);
    expect(applied.status).toBe(200);
    expect(((await applied.json()) as ApplyResult).items).toEqual([
      { kind: 'Tool', name: 'web-search', action: 'created' },
    ]);
    expect((await apply(SEED_TOOL)).status).toBe(200);
    const info = await send<ToolInfo>('GET', '/api/v1/tools/web-search');
    expect(info.body).toMatchObject({
      type: 'http',
      source: 'manifest',
      description: 'Perform web search to retrieve latest information',
    });
    expect(info.body.parameters).toEqual({
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Search query' },
        max_results: { type: 'integer', description: 'Maximum number of results', default: 10 },
      },
      required: ['query'],
    });
  });

  it('calls the endpoint with the arguments, the bearer secret injected, and never shows the secret', async () => {
    await apply(
      tool('intel-search', {
        type: 'api',
        description: 'Search the intel service',
        config: { endpoint: `${base}/api/search`, method: 'POST', internal: true },
        parameters: [
          { name: 'query', type: 'string', required: true },
          { name: 'max_results', type: 'integer', default: 10 },
        ],
        authentication: { type: 'bearer', secretRef: { name: 'search-api-token', key: 'token' } },
      }),
    );
    const reply = await invoke('/api/v1/tools/intel-search:invoke', {
      body: { arguments: { query: 'login from 203.0.113.9' } },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.isError).toBe(false);
    const last = seen.at(-1);
    expect(last?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(last?.body ?? '{}')).toEqual({ query: 'login from 203.0.113.9', max_results: 10 });
    // The double echoes the Authorization header back: the gateway strips the secret from the answer.
    expect(JSON.stringify(reply.body)).not.toContain(TOKEN);
    expect(textOf(reply.body)).toContain('[secret:search-api-token]');
    // Nor is it in the audit trail (written with the next group commit, a moment after the answer).
    const exported = await waitUntil(
      async () => (await t.request('GET', '/api/v1/audit/export?tool=intel-search')).text(),
      (text) => text.includes(reply.body.auditId ?? 'none'),
      () => 'the call’s audit record',
      5_000,
    );
    expect(exported).toContain('intel-search');
    expect(exported).not.toContain(TOKEN);
  });

  /** The IP lookup tool: GET {path}/{ip} with the ip as `q` (and `extra` query), narrowed by `pointer`. */
  const lookup = (path: string, pointer: string, extra: Record<string, string> = {}) =>
    tool('intel-lookup', {
      type: 'http',
      description: 'Look an IP address up',
      config: {
        endpoint: `${base}${path}/{{args.ip}}`,
        method: 'GET',
        query: { q: '{{args.ip}}', ...extra },
        response: { pointer },
        internal: true,
      },
      parameters: {
        type: 'object',
        properties: { ip: { type: 'string', format: 'ipv4' } },
        required: ['ip'],
        additionalProperties: false,
      },
      annotations: { readOnly: true },
    });

  it('fills endpoint, query and body templates and narrows a JSON answer with response.pointer', async () => {
    await apply(lookup('/ip', '/data/results/0', { source: 'soc' }));
    const reply = await invoke('/api/v1/tools/intel-lookup:invoke', {
      body: { arguments: { ip: '203.0.113.9' } },
    });
    expect(reply.body.structuredContent).toEqual({ title: 'result for 203.0.113.9' });
    expect(seen.at(-1)?.path).toBe('/ip/203.0.113.9');
  });

  it('calls with a changed manifest’s config from the next call on', async () => {
    for (const [path, pointer, title] of [
      ['/v2/ip', '/data/results/0/title', 'result for 203.0.113.10'],
      ['/ip', '/data/results/0', undefined],
    ] as const) {
      await apply(lookup(path, pointer));
      const reply = await invoke('/api/v1/tools/intel-lookup:invoke', {
        body: { arguments: { ip: '203.0.113.10' } },
      });
      expect(seen.at(-1)?.path).toBe(`${path}/203.0.113.10`);
      if (title) expect(reply.body.content[0]?.text).toContain(title);
      else expect(reply.body.structuredContent).toEqual({ title: 'result for 203.0.113.10' });
    }
  });

  it('refuses a call whose arguments break the schema, listing the fields, and calls nothing', async () => {
    const before = seen.length;
    const reply = await send('POST', '/api/v1/tools/intel-lookup:invoke', {
      body: { arguments: { ip: '999.1.1.1', extra: true } },
    });
    const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
    expect(problem.errors?.map((error) => error.pointer).sort()).toEqual(
      ['/arguments/extra', '/arguments/ip'].sort(),
    );
    expect(seen.length).toBe(before);
  });

  it('caps a 20 MB answer with a marker instead of passing it on', async () => {
    await apply(
      tool('big-report', {
        type: 'http',
        description: 'A very large report',
        config: { endpoint: `${base}/big`, method: 'GET', internal: true, maxResultBytes: 65536 },
      }),
    );
    const reply = await invoke('/api/v1/tools/big-report:invoke', { body: {} });
    expect(reply.status).toBe(200);
    expect(reply.body.truncated).toBe(true);
    expect(textOf(reply.body).length).toBeLessThan(70_000);
    expect(textOf(reply.body)).toMatch(/truncated: 20971520 bytes, more than the limit of 65536/);
  });

  it('refuses loopback, link-local and private targets unless the tool is internal (SSRF guard)', async () => {
    for (const [name, endpoint] of [
      ['ssrf-loopback', `${base}/api/search`],
      ['ssrf-metadata', 'http://169.254.169.254/latest/meta-data/'],
      ['ssrf-private', 'http://10.0.0.7/admin'],
    ] as const) {
      await apply(tool(name, { type: 'http', description: 'x', config: { endpoint, method: 'GET' } }));
      const before = seen.length;
      const reply = await invoke(`/api/v1/tools/${name}:invoke`, { body: {} });
      expect(reply.body.isError).toBe(true);
      expect(textOf(reply.body)).toMatch(/SSRF guard/);
      expect(seen.length).toBe(before);
    }
  });

  it('follows a redirect only where the guard allows: not from a service to the metadata address', async () => {
    await apply(
      tool('redirector', {
        type: 'http',
        description: 'Follows redirects',
        config: { endpoint: `${base}/to-metadata`, method: 'GET', internal: true },
      }),
    );
    // Internal tools may reach private addresses: the redirect is followed and fails to connect.
    // A tool that is not internal is refused before any connection; see the test above.
    const reply = await invoke('/api/v1/tools/redirector:invoke', { body: {} });
    expect(reply.body.isError).toBe(true);
  });

  it('reports a 404 as an error the model can read', async () => {
    await apply(
      tool('lookup-missing', {
        type: 'http',
        description: 'x',
        config: { endpoint: `${base}/missing`, method: 'GET', internal: true },
      }),
    );
    const reply = await invoke('/api/v1/tools/lookup-missing:invoke', { body: {} });
    expect(reply.body.isError).toBe(true);
    expect(textOf(reply.body)).toMatch(/HTTP 404.*\n.*no such item/s);
  });

  it('gets an OAuth 2.0 client-credentials token from the secret and sends it', async () => {
    await apply(
      tool('oauth-search', {
        type: 'http',
        description: 'Search with OAuth',
        config: { endpoint: `${base}/api/search`, method: 'POST', internal: true },
        authentication: {
          type: 'oauth2-client-credentials',
          tokenUrl: `${base}/token`,
          clientId: 'soc-client',
          secretRef: { name: 'soc-oauth' },
        },
      }),
    );
    const reply = await invoke('/api/v1/tools/oauth-search:invoke', {
      body: { arguments: { query: 'x' } },
    });
    expect(reply.body.isError).toBe(false);
    expect(seen.at(-1)?.authorization).toBe('Bearer oauth-access-1');
  });

  it('names a missing secret in the error, without calling the endpoint', async () => {
    await apply(
      tool('no-secret', {
        type: 'http',
        description: 'x',
        config: { endpoint: `${base}/api/search`, method: 'POST', internal: true },
        authentication: { type: 'header', header: 'X-Api-Key', secretRef: { name: 'never-set' } },
      }),
    );
    const before = seen.length;
    const reply = await invoke('/api/v1/tools/no-secret:invoke', { body: {} });
    expect(reply.body.isError).toBe(true);
    expect(textOf(reply.body)).toMatch(/secret "never-set" not found/);
    expect(seen.length).toBe(before);
  });

  it('rejects a tool whose parameters are not a usable JSON Schema, pointing at them', async () => {
    const reply = await t.request('POST', '/api/v1/apply', {
      body: tool('broken', {
        type: 'http',
        description: 'x',
        config: { endpoint: `${base}/x`, method: 'GET' },
        parameters: { type: 'object', properties: { a: { type: 'strang' } } },
      }),
      headers: { 'content-type': 'application/yaml' },
    });
    expect(reply.status).toBe(400);
    const problem = (await reply.json()) as { errors: Array<{ pointer: string; detail: string }> };
    expect(problem.errors[0]?.pointer).toBe('/items/0/spec/parameters');
  });

  it('finds tools by words, type, source and label', async () => {
    const found = await send<{ items: ToolInfo[] }>(
      'GET',
      '/api/v1/tools?search=search+intel&type=http&label=team%3Dsoc',
    );
    expect(found.body.items.map((item) => item.name)).toEqual(['intel-search']);
    const builtins = await send<{ items: ToolInfo[] }>('GET', '/api/v1/tools?source=builtin');
    expect(builtins.body.items.map((item) => item.name)).toEqual([
      'code_interpreter',
      'echo',
      'http_request',
      'knowledge_search',
      'sleep',
    ]);
  });
});
