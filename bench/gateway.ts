/**
 * Added latency of the model gateway (first slice: auth, model resolution, pass-through, audit)
 * over calling the upstream directly. The upstream is an instant stub (node:http, a fixed chat
 * completion) in a child process; the platform runs as `actl serve` (PGlite) in another, pinned to
 * core 0; the stub and autocannon share core 1. Both targets are measured in the same run,
 * non-streaming, at concurrency 1 and 50; `GET /api/v1/whoami` shows what authentication alone costs.
 * Usage:
 *   npx tsx bench/gateway.ts [--seconds=5]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const SECONDS = Number(process.argv.find((a) => a.startsWith('--seconds='))?.split('=')[1] ?? 5);
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

/** The stub upstream: answers every POST with the same completion, at once. */
const STUB = `
const http = require('node:http');
const body = JSON.stringify({
  id: 'chatcmpl-stub', object: 'chat.completion', created: 1700000000, model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
});
http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
}).listen(Number(process.argv[1]), '127.0.0.1', () => process.send && process.send('ready'));
`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function pinned(core: number, args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  return hasTaskset
    ? spawn('taskset', ['-c', String(core), process.execPath, ...args], options)
    : spawn(process.execPath, args, options);
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

interface Row {
  target: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(target: string, url: string, connections: number, body?: string): Promise<Row> {
  const latencies: number[] = [];
  const starts = new Map<unknown, number>();
  const result = await autocannon({
    url,
    connections,
    duration: SECONDS,
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
    setupClient: (client: { on: (event: string, fn: (...args: unknown[]) => void) => void }) => {
      client.on('request', () => starts.set(client, performance.now()));
      client.on('response', () => {
        const began = starts.get(client);
        if (began !== undefined) latencies.push(performance.now() - began);
      });
    },
  } as never);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const r = result as unknown as { requests: { average: number }; non2xx: number; errors: number };
  return {
    target,
    connections,
    rps: r.requests.average,
    p50: at(0.5),
    p99: at(0.99),
    errors: r.non2xx + r.errors,
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-bench-gateway-'));
const stubPort = await freePort();
const port = await freePort();
const stub = pinned(1, ['-e', STUB, String(stubPort)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const server = pinned(
  0,
  ['bin/actl', 'serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'],
  {
    cwd: root,
    env: { ...process.env, AGENTICAI_BOOTSTRAP_ADMIN_KEY: KEY },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const base = `http://127.0.0.1:${port}`;
const upstream = `http://127.0.0.1:${stubPort}/v1`;
try {
  await Promise.all([waitFor(`${base}/healthz`, server), waitFor(`${upstream}/models`, stub)]);
  const created = await fetch(`${base}/api/v1/model-backends`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'ModelBackend',
      metadata: { name: 'stub' },
      spec: { type: 'openai-compatible', endpoint: upstream, models: ['m'] },
    }),
  });
  if (created.status !== 201)
    throw new Error(`creating the backend: ${created.status} ${await created.text()}`);
  const body = (model: string) =>
    JSON.stringify({ model, messages: [{ role: 'user', content: 'Say ok.' }], max_tokens: 4 });
  // Warm both paths (JIT, keep-alive sockets, PGlite caches) before measuring.
  await load('warm-up', `${base}/v1/chat/completions`, 10, body('stub/m'));
  const rows: Row[] = [];
  for (const connections of [1, 50]) {
    rows.push(await load('stub direct (anchor)', `${upstream}/chat/completions`, connections, body('m')));
    rows.push(await load('through the gateway', `${base}/v1/chat/completions`, connections, body('stub/m')));
  }
  // What authentication alone costs on this server (an API-key lookup per request).
  const auth = [
    await load('GET /api/v1/whoami (auth only)', `${base}/api/v1/whoami`, 1),
    await load('GET /api/v1/whoami (auth only)', `${base}/api/v1/whoami`, 50),
  ];
  const f = (n: number) => n.toFixed(2);
  console.log(
    `\nModel gateway, non-streaming, ${SECONDS} s per row${hasTaskset ? ' (server core 0, stub + load core 1)' : ''}\n`,
  );
  console.log('| target | connections | req/s | p50 ms | p99 ms | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of [...rows, ...auth])
    console.log(
      `| ${row.target} | ${row.connections} | ${Math.round(row.rps)} | ${f(row.p50)} | ${f(row.p99)} | ${row.errors} |`,
    );
  console.log('\n| connections | added p50 ms | added p99 ms | gateway / direct req/s |');
  console.log('| ---: | ---: | ---: | ---: |');
  for (let i = 0; i < rows.length; i += 2) {
    const [direct, gateway] = [rows[i] as Row, rows[i + 1] as Row];
    console.log(
      `| ${direct.connections} | ${f(gateway.p50 - direct.p50)} | ${f(gateway.p99 - direct.p99)} | ${(gateway.rps / direct.rps).toFixed(3)} |`,
    );
  }
} finally {
  await Promise.all([stop(server), stop(stub)]);
  rmSync(dataDir, { recursive: true, force: true });
}
