/**
 * API latency of the platform itself, against an anchor in the same run: GET /healthz of the same
 * server (HTTP + framework, no auth, no database). Every other route adds authentication (API key
 * hash lookup), a tenant-scoped transaction with row-level security and JSON validation; the ratio
 * says what that costs. Also times start-up to /readyz on a fresh and on an existing data dir.
 *
 * The server runs as `actl serve` in a child process pinned to core 0 (PGlite, or Postgres with
 * --postgres); autocannon runs here, pinned to core 1. Usage:
 *   npx tsx bench/api-latency.ts [--postgres] [--seconds=5]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const SECONDS = Number(process.argv.find((a) => a.startsWith('--seconds='))?.split('=')[1] ?? 5);
const POSTGRES = process.argv.includes('--postgres');
const CONNECTIONS = 10;
const KEY = 'ak_bench_0123456789abcdefghijklmnop';
const root = new URL('..', import.meta.url).pathname;
const hasTaskset = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startServer(dataDir: string, port: number): Promise<{ child: ChildProcess; readyMs: number }> {
  const started = performance.now();
  const args = ['bin/actl', 'serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'];
  const command = hasTaskset ? 'taskset' : process.execPath;
  const child = spawn(command, hasTaskset ? ['-c', '0', process.execPath, ...args] : args, {
    cwd: root,
    env: {
      ...process.env,
      AGENTICAI_BOOTSTRAP_ADMIN_KEY: KEY,
      ...(POSTGRES
        ? {
            DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
            AGENTICAI_DATABASE_SCHEMA: `bench_${Date.now()}`,
          }
        : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok)
        return { child, readyMs: performance.now() - started };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(
  name: string,
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Row> {
  const latencies: number[] = [];
  let starts = new Map<unknown, number>();
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    method: (options.method ?? 'GET') as 'GET',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...options.headers },
    ...(options.body ? { body: options.body } : {}),
    setupClient: (client: { on: (event: string, fn: (...args: unknown[]) => void) => void }) => {
      client.on('request', () => starts.set(client, performance.now()));
      client.on('response', () => {
        const began = starts.get(client);
        if (began !== undefined) latencies.push(performance.now() - began);
      });
    },
  } as never);
  starts = new Map();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const r = result as unknown as { requests: { average: number }; non2xx: number; errors: number };
  return { name, rps: r.requests.average, p50: at(0.5), p99: at(0.99), errors: r.non2xx + r.errors };
}

const fresh = mkdtempSync(join(tmpdir(), 'agenticai-bench-'));
const port = await freePort();
const first = await startServer(fresh, port);
await stop(first.child);
const again = await startServer(fresh, port);
const base = `http://127.0.0.1:${port}`;
try {
  const manifests = readFileSync(join(root, 'examples/agents/secops-triage.yaml'), 'utf8');
  await fetch(`${base}/api/v1/apply`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/yaml' },
    body: manifests,
  });
  const rows: Row[] = [];
  rows.push(await load('GET /healthz (anchor)', `${base}/healthz`));
  rows.push(await load('GET /api/v1/whoami', `${base}/api/v1/whoami`));
  rows.push(await load('GET /api/v1/agents/{name}', `${base}/api/v1/agents/secops-triage`));
  rows.push(await load('GET /api/v1/agents', `${base}/api/v1/agents?limit=50`));
  rows.push(
    await load('POST /api/v1/apply (unchanged)', `${base}/api/v1/apply`, {
      method: 'POST',
      body: manifests,
      headers: { 'content-type': 'application/yaml' },
    }),
  );
  const anchor = rows[0] as Row;
  console.log(
    `\nstore: ${POSTGRES ? 'PostgreSQL 15 (server)' : 'PGlite'}; ${CONNECTIONS} connections, ${SECONDS} s per route; pinned: ${hasTaskset}`,
  );
  console.log(
    `start-up to /readyz: fresh data dir ${(first.readyMs / 1000).toFixed(2)} s, existing ${(again.readyMs / 1000).toFixed(2)} s\n`,
  );
  console.log('| route | req/s | p50 ms | p99 ms | req/s vs anchor | non-2xx+errors |');
  console.log('|---|--:|--:|--:|--:|--:|');
  for (const row of rows) {
    console.log(
      `| ${row.name} | ${Math.round(row.rps)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${(row.rps / anchor.rps).toFixed(2)}x | ${row.errors} |`,
    );
  }
} finally {
  await stop(again.child);
  rmSync(fresh, { recursive: true, force: true });
}
