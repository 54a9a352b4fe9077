import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { guardedFetch } from './guarded-fetch.ts';

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listen(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((request, response) => {
    request.resume();
    if (request.url === '/empty') response.writeHead(202).end();
    else if (request.url === '/large') response.writeHead(200).end(Buffer.alloc(100_000, 'x'));
    else if (request.url === '/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
    } else response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
  };
}

describe('guardedFetch', () => {
  it('keeps one keep-alive connection across bodies read and empty answers cancelled', async () => {
    const { url, connections } = await listen();
    const fetch = guardedFetch(true);
    for (let i = 0; i < 5; i++) {
      const read = await fetch(`${url}/json`, { method: 'POST', body: '{}' });
      expect(await read.json()).toEqual({ ok: true });
      // The MCP client cancels the body of a 202 it does not read.
      const empty = await fetch(`${url}/empty`, { method: 'POST', body: '{}' });
      expect(empty.status).toBe(202);
      await empty.body?.cancel();
    }
    expect(connections()).toBe(1);
  });

  it('refuses an answer over the size limit and closes its connection', async () => {
    const { url, connections } = await listen();
    const fetch = guardedFetch(true, 50_000);
    await expect(fetch(`${url}/large`)).rejects.toThrow("the tool server's answer exceeds 50000 bytes");
    expect((await fetch(`${url}/json`)).status).toBe(200);
    expect(connections()).toBe(2);
  });

  it('hands an event stream on as it arrives, and the caller’s abort ends it', async () => {
    const { url } = await listen();
    const caller = new AbortController();
    const response = await guardedFetch(true)(`${url}/events`, { signal: caller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n');
    caller.abort(new Error('stop'));
    await expect(reader.read()).rejects.toThrow();
  });

  it('refuses a loopback address unless the server is internal', async () => {
    const { url } = await listen();
    await expect(guardedFetch(false)(`${url}/json`)).rejects.toThrow();
    expect((await guardedFetch(true)(`${url}/json`)).status).toBe(200);
  });
});
