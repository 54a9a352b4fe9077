import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ToolInvokeOptions, ToolResult } from '../../runtime/index.ts';
import { httpRequestTool } from './http-request.ts';

interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real server that records what reached it and answers by path. */
async function startRecordingServer(): Promise<{ server: Server; url: string; requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://test');
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? '', path: url.pathname, headers: request.headers, body });
      switch (url.pathname) {
        case '/json':
          response.writeHead(200, { 'content-type': 'application/json', etag: '"v1"', 'x-noise': 'yes' });
          response.end(JSON.stringify({ ok: true, items: [1, 2] }));
          return;
        case '/echo':
          response.writeHead(201, { 'content-type': request.headers['content-type'] ?? 'text/plain' });
          response.end(body);
          return;
        case '/fail':
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end('database on fire');
          return;
        case '/not-found':
          response.writeHead(404, { 'content-type': 'application/problem+json' });
          response.end(JSON.stringify({ title: 'Not found' }));
          return;
        case '/flaky': {
          // 503 until the same idempotency key has been seen `ok-after` times.
          const key = request.headers['idempotency-key'];
          const seen = requests.filter((r) => r.path === '/flaky' && r.headers['idempotency-key'] === key);
          if (seen.length <= Number(url.searchParams.get('ok-after'))) {
            const retryAfter = url.searchParams.get('retry-after');
            response.writeHead(503, retryAfter === null ? {} : { 'retry-after': retryAfter });
            response.end('busy');
            return;
          }
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end('recovered');
          return;
        }
        case '/redirect':
          response.writeHead(302, { location: 'http://elsewhere.invalid/' });
          response.end();
          return;
        case '/big':
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end(url.searchParams.get('text')?.repeat(Number(url.searchParams.get('times'))) ?? '');
          return;
        case '/hang':
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.write('partial');
          return; // never ends
        default:
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end('ok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests };
}

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The test doubles listen on loopback, which the SSRF guard refuses unless the reference is internal. */
function options(overrides: Partial<ToolInvokeOptions> = {}): ToolInvokeOptions {
  return {
    signal: new AbortController().signal,
    idempotencyKey: 'run-1:step-1',
    ...overrides,
    config: { internal: true, ...overrides.config },
  };
}

const textOf = (result: ToolResult) => result.content.map((part) => part.text).join('');

let server: Server;
let base: string;
let requests: RecordedRequest[];

beforeAll(async () => {
  ({ server, url: base, requests } = await startRecordingServer());
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests.length = 0;
});

describe('http_request', () => {
  it('GETs by default and returns the status, a few headers and the parsed JSON body', async () => {
    const result = await httpRequestTool.run({ url: `${base}/json` }, options());
    expect(result.isError).toBe(false);
    expect(textOf(result)).toBe('HTTP 200 OK\n\n{"ok":true,"items":[1,2]}');
    expect(result.structured).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', etag: '"v1"' },
      body: { ok: true, items: [1, 2] },
    });
    expect(requests).toMatchObject([{ method: 'GET', path: '/json', body: '' }]);
  });

  it('sends a JSON value as JSON with a content type, and the headers it was given', async () => {
    const result = await httpRequestTool.run(
      {
        url: `${base}/echo`,
        method: 'POST',
        headers: { 'X-Trace': 'abc' },
        body: { name: 'Ada', tags: ['x'] },
      },
      options(),
    );
    expect(result.isError).toBe(false);
    expect(result.structured).toMatchObject({ status: 201, body: { name: 'Ada', tags: ['x'] } });
    const [received] = requests;
    expect(received?.method).toBe('POST');
    expect(received?.body).toBe('{"name":"Ada","tags":["x"]}');
    expect(received?.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': '27',
      'x-trace': 'abc',
    });
  });

  it('sends a string body as is, keeping the caller’s content type', async () => {
    await httpRequestTool.run(
      { url: `${base}/echo`, method: 'PUT', headers: { 'Content-Type': 'text/csv' }, body: 'a,b\n1,2' },
      options(),
    );
    expect(requests[0]?.body).toBe('a,b\n1,2');
    expect(requests[0]?.headers['content-type']).toBe('text/csv');
  });

  it('sends Idempotency-Key for idempotent methods only', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'POST', 'PATCH'] as const) {
      await httpRequestTool.run({ url: `${base}/echo`, method }, options({ idempotencyKey: `k-${method}` }));
    }
    expect(requests.map((request) => [request.method, request.headers['idempotency-key']])).toEqual([
      ['GET', 'k-GET'],
      ['PUT', 'k-PUT'],
      ['DELETE', 'k-DELETE'],
      ['POST', undefined],
      ['PATCH', undefined],
    ]);
  });

  it('lets the reference’s config.idempotent override the method either way', async () => {
    await httpRequestTool.run(
      { url: `${base}/echo`, method: 'POST' },
      options({ config: { idempotent: true } }),
    );
    await httpRequestTool.run({ url: `${base}/echo` }, options({ config: { idempotent: false } }));
    expect(requests.map((request) => request.headers['idempotency-key'])).toEqual([
      'run-1:step-1',
      undefined,
    ]);
  });

  it('reports a 5xx as an error with the status in the text', async () => {
    const result = await httpRequestTool.run({ url: `${base}/fail` }, options());
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('HTTP 500 Internal Server Error\n\ndatabase on fire');
    expect(result.structured).toMatchObject({ status: 500, body: 'database on fire' });
  });

  it('reports a 4xx as an error and parses a +json body', async () => {
    const result = await httpRequestTool.run({ url: `${base}/not-found` }, options());
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('HTTP 404 Not Found');
    expect(result.structured).toMatchObject({ status: 404, body: { title: 'Not found' } });
  });

  it('returns a redirect as is instead of following it', async () => {
    const result = await httpRequestTool.run({ url: `${base}/redirect` }, options());
    expect(result.isError).toBe(false);
    expect(result.structured).toMatchObject({
      status: 302,
      headers: { location: 'http://elsewhere.invalid/' },
    });
    expect(requests).toHaveLength(1);
  });

  it('returns a refused connection as an error result, not a throw', async () => {
    const port = await unusedPort();
    const result = await httpRequestTool.run({ url: `http://127.0.0.1:${port}/x` }, options());
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/x failed: .*ECONNREFUSED/);
  });

  it('refuses URLs that are not http: or https:, naming the field', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/x', 'not a url']) {
      const result = await httpRequestTool.run({ url }, options());
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(
        'invalid arguments for http_request: /url: must be an absolute http: or https: URL',
      );
    }
  });

  it('calls only the allowed hosts when the reference lists them', async () => {
    const blocked = await httpRequestTool.run(
      { url: `${base}/json` },
      options({ config: { allowedHosts: ['api.example.com'] } }),
    );
    expect(blocked.isError).toBe(true);
    expect(textOf(blocked)).toContain('host "127.0.0.1" is not allowed (allowed hosts: api.example.com)');
    expect(requests).toHaveLength(0);

    const allowed = await httpRequestTool.run(
      { url: `${base}/json` },
      options({ config: { allowedHosts: ['api.example.com', '127.0.0.1'] } }),
    );
    expect(allowed.isError).toBe(false);
    expect(requests).toHaveLength(1);
  });

  it('truncates a large body with a marker counting the dropped bytes', async () => {
    const result = await httpRequestTool.run({ url: `${base}/big?text=a&times=70000` }, options());
    expect(result.isError).toBe(false);
    const text = textOf(result);
    expect(text).toBe(`HTTP 200 OK\n\n${'a'.repeat(65_536)}…[truncated ${70_000 - 65_536} bytes]`);
    expect(result.structured).toMatchObject({ truncatedBytes: 70_000 - 65_536 });
  });

  it('cuts at a character boundary and honours config.maxResponseBytes', async () => {
    // "é" is two bytes: a 5-byte limit keeps two characters (4 bytes), not half of the third.
    const result = await httpRequestTool.run(
      { url: `${base}/big?text=%C3%A9&times=10` },
      options({ config: { maxResponseBytes: 5 } }),
    );
    expect(textOf(result)).toBe('HTTP 200 OK\n\néé…[truncated 16 bytes]');
  });

  it('gives up after config.timeoutMs with an error result', async () => {
    const started = Date.now();
    const result = await httpRequestTool.run(
      { url: `${base}/hang` },
      options({ config: { timeoutMs: 100 } }),
    );
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(`GET ${base}/hang: no complete response within 100 ms`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rejects with the abort reason when cancelled mid-response', async () => {
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    setTimeout(() => controller.abort(reason), 50);
    await expect(
      httpRequestTool.run({ url: `${base}/hang` }, options({ signal: controller.signal })),
    ).rejects.toBe(reason);
  });

  it('retries an idempotent call on a transient answer, with the same idempotency key', async () => {
    const result = await httpRequestTool.run({ url: `${base}/flaky?ok-after=2` }, options());
    expect(textOf(result)).toBe('HTTP 200 OK\n\nrecovered');
    expect(requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'run-1:step-1',
      'run-1:step-1',
      'run-1:step-1',
    ]);
  });

  it('gives the last answer back when the retries run out, and honours config.retries', async () => {
    const result = await httpRequestTool.run(
      { url: `${base}/flaky?ok-after=5&retry-after=0` },
      options({ config: { retries: 1 } }),
    );
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('HTTP 503');
    expect(requests).toHaveLength(2);
  });

  it('passes a long Retry-After on instead of waiting for it', async () => {
    const result = await httpRequestTool.run({ url: `${base}/flaky?ok-after=1&retry-after=3600` }, options());
    expect(result.structured).toMatchObject({ status: 503, headers: { 'retry-after': '3600' } });
    expect(requests).toHaveLength(1);
  });

  it('never repeats a call that is not idempotent', async () => {
    const result = await httpRequestTool.run(
      { url: `${base}/flaky?ok-after=5&retry-after=0`, method: 'POST' },
      options(),
    );
    expect(result.isError).toBe(true);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.headers['idempotency-key']).toBeUndefined();
  });

  it('stops waiting between attempts when cancelled', async () => {
    const controller = new AbortController();
    const pending = httpRequestTool.run(
      { url: `${base}/flaky?ok-after=5&retry-after=5` },
      options({ signal: controller.signal }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(new Error('run cancelled'));
    await expect(pending).rejects.toThrow('run cancelled');
    expect(requests).toHaveLength(1);
  });

  it('names the field and the problem when arguments are invalid', async () => {
    const result = await httpRequestTool.run(
      { url: `${base}/json`, method: 'FETCH', headers: { a: 1 } },
      options(),
    );
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /^invalid arguments for http_request: \/method: .*"GET".*; \/headers\/a: /,
    );
    expect(requests).toHaveLength(0);
  });

  it('reports a header Node refuses to send as an error result', async () => {
    const result = await httpRequestTool.run(
      { url: `${base}/json`, headers: { 'bad name': 'x' } },
      options(),
    );
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('request not sent');
    expect(requests).toHaveLength(0);
  });

  it('refuses loopback, private and link-local addresses unless the reference is internal', async () => {
    const before = requests.length;
    for (const url of [
      `${base}/json`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'http://[::1]/',
    ]) {
      const result = await httpRequestTool.run({ url }, options({ config: { internal: false } }));
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/SSRF guard/);
    }
    const named = await httpRequestTool.run(
      { url: `http://localhost:${new URL(base).port}/json` },
      options({ config: { internal: false } }),
    );
    expect(textOf(named)).toMatch(/localhost \(127\.0\.0\.1, a loopback address\)/);
    expect(requests.length).toBe(before);
  });
});
