/**
 * The model gateway's added latency and throughput over calling the upstream directly, side by
 * side with Portkey's open-source gateway in the same run, against the same instant stub upstream.
 * The governed path is on: API-key auth, a policy with a budget and a rate limit (both far above
 * the load), the response cache consulted (requests are not deterministic, so it misses), one
 * audit record per call. Gateways run pinned to core 0 (one at a time under load); the stub and the
 * load generator share core 1.
 *
 *   npx tsx bench/gateway.ts [--seconds=5] [--store=pglite|postgres] [--no-portkey] [--streams=1000]
 *
 * `--store=postgres` runs the platform against the PostgreSQL server and Redis (the team setup):
 * AGENTICAI_TEST_DATABASE_URL / AGENTICAI_TEST_REDIS_URL, default the local ones.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  freePort,
  hasTaskset,
  holdStreams,
  load,
  pinned,
  portkeyScript,
  type Row,
  STUB,
  stop,
  streamLoad,
  type Target,
  waitFor,
} from './gateway-support.ts';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const SECONDS = Number(arg('seconds') ?? 5);
const STORE = arg('store') ?? 'pglite';
const STREAMS = Number(arg('streams') ?? 1000);
const PORTKEY = !process.argv.includes('--no-portkey');
const KEY = 'ak_bench_0123456789abcdefghijklmnop';
const root = new URL('..', import.meta.url).pathname;
const databaseUrl = process.env.AGENTICAI_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.AGENTICAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const schema = `bench_gateway_${process.pid}`;

const chat = (model: string, stream: boolean) =>
  JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say ok.' }],
    max_tokens: 4,
    ...(stream ? { stream: true } : {}),
  });

async function startPlatform(port: number, dataDir: string): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, AGENTICAI_BOOTSTRAP_ADMIN_KEY: KEY };
  if (STORE === 'postgres')
    Object.assign(env, {
      AGENTICAI_DATABASE_URL: databaseUrl,
      AGENTICAI_DATABASE_SCHEMA: schema,
      AGENTICAI_REDIS_URL: redisUrl,
    });
  const server = pinned(
    0,
    ['bin/actl', 'serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'],
    { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitFor(`http://127.0.0.1:${port}/healthz`, server);
  return server;
}

async function configure(base: string, upstream: string): Promise<void> {
  const items = [
    {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'ModelBackend',
      metadata: { name: 'stub' },
      spec: { type: 'openai-compatible', endpoint: upstream, models: ['m', 'slow'], cost_per_1k: 0.001 },
    },
    {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'Policy',
      metadata: { name: 'bench-limits' },
      spec: {
        budgets: [{ name: 'tenant-daily', scope: 'tenant', limit: 1e12 }],
        rate_limits: [{ name: 'per-key', scope: 'principal', requests_per_minute: 10_000_000 }],
      },
    },
  ];
  const applied = await fetch(`${base}/api/v1/apply`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ items }),
  });
  if (applied.status !== 200) throw new Error(`apply: ${applied.status} ${await applied.text()}`);
}

const f = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');

const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-bench-gateway-'));
const stubPort = await freePort();
const stub = pinned(1, ['-e', STUB, String(stubPort)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const upstream = `http://127.0.0.1:${stubPort}/v1`;
const rows: Row[] = [];
const holds: string[] = [];
let platform: ChildProcess | undefined;
let portkey: ChildProcess | undefined;
try {
  await waitFor(`${upstream}/models`, stub);
  const direct: Target = {
    name: 'stub direct (anchor)',
    url: `${upstream}/chat/completions`,
    headers: {},
    body: (stream, model) => chat(model ?? 'm', stream),
  };
  const targets: Target[] = [direct];

  const port = await freePort();
  platform = await startPlatform(port, dataDir);
  await configure(`http://127.0.0.1:${port}`, upstream);
  const gateway: Target = {
    name: `agenticai (${STORE})`,
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    headers: { authorization: `Bearer ${KEY}` },
    body: (stream, model) => chat(`stub/${model ?? 'm'}`, stream),
  };
  targets.push(gateway);

  const script = PORTKEY ? portkeyScript(join(root, 'bench', '.portkey')) : null;
  let portkeyTarget: Target | null = null;
  if (script) {
    const portkeyPort = await freePort();
    portkey = pinned(0, [script, `--port=${portkeyPort}`, '--headless'], {
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    await waitFor(`http://127.0.0.1:${portkeyPort}/`, portkey);
    portkeyTarget = {
      name: 'Portkey 1.15.2',
      url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`,
      headers: {
        authorization: 'Bearer sk-stub',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': upstream,
      },
      body: (stream, model) => chat(model ?? 'm', stream),
    };
    targets.push(portkeyTarget);
  }

  for (const target of targets) await load(target, 'warm-up', 2, { connections: 10 });
  for (const target of targets) {
    rows.push(await load(target, 'c=1', SECONDS, { connections: 1 }));
    rows.push(await load(target, '200 rps', SECONDS, { connections: 20, rate: 200 }));
    rows.push(await load(target, '1,000 rps', SECONDS, { connections: 50, rate: 1000 }));
    rows.push(await load(target, 'max, 50 conn', SECONDS, { connections: 50 }));
    rows.push(await streamLoad(target, SECONDS, 1));
    rows.push(await streamLoad(target, SECONDS, 50));
  }
  for (const target of targets.slice(1)) {
    const held = await holdStreams(target, STREAMS);
    holds.push(
      `| ${target.name} | ${STREAMS} | ${held.completed} | ${held.failed} | ${held.seconds.toFixed(1)} |`,
    );
  }
} finally {
  await Promise.all([stop(platform), stop(portkey), stop(stub)]);
  rmSync(dataDir, { recursive: true, force: true });
  if (STORE === 'postgres') {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}

console.log(
  `\nModel gateway, ${SECONDS} s per row${hasTaskset ? ' (gateways on core 0, stub + load on core 1)' : ''}, store ${STORE}\n`,
);
console.log('| target | load | req/s | p50 ms | p99 ms | errors |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const row of rows)
  console.log(
    `| ${row.target} | ${row.mode} | ${Math.round(row.rps)} | ${f(row.p50)} | ${f(row.p99)} | ${row.errors} |`,
  );
console.log('\nAdded over the stub direct, same load (p50 / p99 ms; throughput ratio)\n');
console.log('| target | load | added p50 | added p99 | req/s ÷ direct |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const row of rows) {
  const anchor = rows.find((r) => r.target === 'stub direct (anchor)' && r.mode === row.mode);
  if (!anchor || row === anchor) continue;
  console.log(
    `| ${row.target} | ${row.mode} | ${f(row.p50 - anchor.p50)} | ${f(row.p99 - anchor.p99)} | ${(row.rps / anchor.rps).toFixed(3)} |`,
  );
}
console.log('\nConcurrent slow streams (20 chunks, 100 ms apart), all opened at once\n');
console.log('| target | opened | completed | failed | seconds |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const line of holds) console.log(line);
