import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgenticClient, ApiError, ConnectionError } from './client.ts';

const event = (seq: number, type = 'token') =>
  JSON.stringify({
    run_id: 'r1',
    seq,
    type,
    data: { delta: `d${seq}` },
    created_at: '2026-01-01T00:00:00.000Z',
  });

/** What the test server does for each path; writes are separate chunks on the wire. */
const SCRIPTS: Record<
  string,
  (response: http.ServerResponse, request: http.IncomingMessage) => Promise<void>
> = {
  '/split': async (response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const wire = `: keep-alive\r\n\r\nid: 1\r\nevent: token\r\ndata: ${event(1)}\r\n\r\nid: 2\ndata: ${event(2)}\n\n`;
    // Cut between "\r" and "\n", inside the JSON, and everywhere else.
    for (const piece of [wire.slice(0, 15), wire.slice(15, 16), wire.slice(16, 60), wire.slice(60)]) {
      response.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    response.end();
  },
  '/drop': async (response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(`id: 1\ndata: ${event(1)}\n\n`, () => response.socket?.destroy());
  },
  '/resume': async (response, request) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(`data: ${event(Number(request.headers['last-event-id']) + 1)}\n\n`);
  },
  '/missing': async (response) => {
    response.writeHead(404, { 'content-type': 'application/problem+json' });
    response.end(
      JSON.stringify({
        type: 'about:blank',
        title: 'Not found',
        status: 404,
        detail: 'run r9 not found',
        code: 'NOT_FOUND',
      }),
    );
  },
  '/bad': async (response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end('data: {"not": "an event"}\n\n');
  },
  '/hang': async (response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(': open\n\n');
  },
};

let server: http.Server;
let client: AgenticClient;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    void SCRIPTS[request.url ?? '']?.(response, request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new AgenticClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function collect(path: string, options: Parameters<AgenticClient['streamEvents']>[1] = {}) {
  const seqs: number[] = [];
  for await (const e of client.streamEvents(path, options)) seqs.push(e.seq);
  return seqs;
}

describe('AgenticClient.streamEvents', () => {
  it('yields each event once, whatever the chunking, skipping comments, until the server ends the stream', async () => {
    expect(await collect('/split')).toEqual([1, 2]);
  });

  it('throws ConnectionError when the connection drops mid-stream, after the events before it', async () => {
    const seqs: number[] = [];
    await expect(async () => {
      for await (const e of client.streamEvents('/drop')) seqs.push(e.seq);
    }).rejects.toBeInstanceOf(ConnectionError);
    expect(seqs).toEqual([1]);
  });

  it('sends lastEventId as Last-Event-ID', async () => {
    expect(await collect('/resume', { lastEventId: 41 })).toEqual([42]);
  });

  it("throws the server's problem as ApiError, and an event that breaks the contract as a 502 ApiError", async () => {
    await expect(collect('/missing')).rejects.toMatchObject({ status: 404, problem: { code: 'NOT_FOUND' } });
    const bad = await collect('/bad').catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(ApiError);
    expect((bad as ApiError).status).toBe(502);
  });

  it('stops with the abort reason when the signal aborts a quiet stream', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop now')), 50);
    await expect(collect('/hang', { signal: controller.signal })).rejects.toThrow('stop now');
  });
});
