/**
 * TEST DOUBLE of an external HTTP service an agent's tool calls (a firewall, a ticketing API): a
 * real HTTP server on 127.0.0.1 that counts calls per path and records their Idempotency-Key.
 * Paths under /hold/ keep the first call of each path waiting (no answer) until the test releases
 * it or the caller's connection dies; later calls answer at once. Everything else answers at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
}

export interface CountingService {
  url: string;
  calls: RecordedCall[];
  count(path: string): number;
  /** Resolves once `path` has been called at least `n` times. */
  waitForCalls(path: string, n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCountingService(): Promise<CountingService> {
  const calls: RecordedCall[] = [];
  const held = new Set<string>();
  const waiters: Array<() => void> = [];
  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const idempotencyKey = request.headers['idempotency-key'];
    calls.push({
      method: request.method ?? 'GET',
      path,
      idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
    });
    for (const wake of waiters.splice(0)) wake();
    request.resume();
    if (path.startsWith('/hold/') && !held.has(path)) {
      held.add(path);
      return; // the first call waits until its connection dies
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ok: true, path, call: calls.filter((c) => c.path === path).length }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const count = (path: string) => calls.filter((c) => c.path === path).length;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    count,
    waitForCalls: async (path, n, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (count(path) < n) {
        if (Date.now() > deadline)
          throw new Error(`${path} was called ${count(path)} times, not ${n}, within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
