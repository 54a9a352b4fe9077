import { createServer } from 'node:net';

/** What the run benchmarks share: the admin key their servers start with, and small HTTP helpers. */
export const BENCH_KEY = 'ak_bench_runs_0123456789abcdefghijk';

export const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Waits (up to a minute) until the server answers /readyz. */
export async function ready(url: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became ready`);
}

export async function api(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.json() as Promise<Record<string, unknown>>;
}

/** Waits until every run completed, polling one list request at a time (light on the server). */
export async function waitAll(url: string, ids: string[]): Promise<void> {
  const pending = new Set(ids);
  while (pending.size > 0) {
    const page = await api(url, 'GET', '/api/v1/runs?status=completed&limit=500');
    for (const run of page.items as Array<{ id: string }>) pending.delete(run.id);
    if (pending.size === 0) return;
    const failed = await api(url, 'GET', '/api/v1/runs?status=failed&limit=1');
    if ((failed.items as unknown[]).length > 0)
      throw new Error(`a run failed: ${JSON.stringify(failed.items)}`);
    await new Promise((r) => setTimeout(r, pending.size === 1 ? 5 : 100));
  }
}
