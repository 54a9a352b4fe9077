/**
 * The model gateway's added latency and throughput over calling the upstream directly, side by
 * side with a bare node:http proxy (the floor any Node gateway stands on) and Portkey's
 * open-source gateway, in the same run, against the same instant stub upstream. The governed path
 * is on: API-key auth, a policy with a budget and a rate limit (both far above the load), the
 * response cache consulted (requests are not deterministic, so it misses), a budget reservation
 * and settlement, one hash-chained audit record per call, metrics.
 *
 * Nothing is pinned: the machine's cores are shared by the servers, the stub and the load
 * generator, as on a real host (the platform's embedded database runs on a thread of its own).
 * Rows: concurrency 1 and saturation with wrk (closed loop; autocannon where wrk is missing);
 * 200 and 1,000 req/s paced (open loop, evenly spaced); streaming time to first byte with 1 and 50
 * clients; 1,000 slow streams held at once. Each row also reports the CPU the server process used
 * per answered request (all its threads, from /proc), the least noisy measure on a shared machine.
 * With --rounds=N every row runs N times, targets in rotating order, and the median is reported.
 *
 *   npx tsx bench/gateway.ts [--seconds=3] [--rounds=1] [--store=pglite|postgres] [--no-portkey] [--streams=1000]
 *
 * `--store=postgres` runs the platform against the PostgreSQL server and Redis (the team setup):
 * AGENTICAI_TEST_DATABASE_URL / AGENTICAI_TEST_REDIS_URL, default the local ones.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { hasWrk, holdStreams, paced, type Row, saturate, streamLoad, type Target } from './gateway-load.ts';
import { BARE_PROXY, freePort, node, portkeyScript, STUB, stop, waitFor } from './gateway-support.ts';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const SECONDS = Number(arg('seconds') ?? 3);
const ROUNDS = Number(arg('rounds') ?? 1);
const STORE = arg('store') ?? 'pglite';
const STREAMS = Number(arg('streams') ?? 1000);
const PORTKEY = !process.argv.includes('--no-portkey');
const KEY = 'ak_bench_0123456789abcdefghijklmnop';
const root = new URL('..', import.meta.url).pathname;
const databaseUrl = process.env.AGENTICAI_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.AGENTICAI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const schema = `bench_gateway_${process.pid}`;
const DIRECT = 'stub direct (anchor)';
const PROXY = 'bare node:http proxy (anchor)';

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
  const server = node(
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

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const median = (values: number[]) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
};

const MODES: { mode: string; run: (target: Target) => Promise<Row> }[] = [
  { mode: 'c=1', run: (t) => saturate(t, 'c=1', SECONDS, 1) },
  { mode: '200 rps', run: (t) => paced(t, '200 rps', SECONDS, 200) },
  { mode: '1,000 rps', run: (t) => paced(t, '1,000 rps', SECONDS, 1000) },
  { mode: 'max, 50 conn', run: (t) => saturate(t, 'max, 50 conn', SECONDS, 50) },
  { mode: 'stream TTFB, 1 conn', run: (t) => streamLoad(t, SECONDS, 1) },
  { mode: 'stream TTFB, 50 conn', run: (t) => streamLoad(t, SECONDS, 50) },
];

const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-bench-gateway-'));
const rows: Row[] = [];
const holds: string[] = [];
const children: ChildProcess[] = [];
try {
  const stubPort = await freePort();
  const stub = node(['-e', STUB, String(stubPort)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(stub);
  const upstream = `http://127.0.0.1:${stubPort}/v1`;
  await waitFor(`${upstream}/models`, stub);
  const targets: Target[] = [
    {
      name: DIRECT,
      url: `${upstream}/chat/completions`,
      headers: {},
      body: (stream, model) => chat(model ?? 'm', stream),
      pid: stub.pid,
    },
  ];

  const proxyPort = await freePort();
  const proxy = node(['-e', BARE_PROXY, String(proxyPort), String(stubPort)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(proxy);
  await new Promise((resolve) => proxy.once('message', resolve));
  targets.push({
    name: PROXY,
    url: `http://127.0.0.1:${proxyPort}/v1/chat/completions`,
    headers: {},
    body: (stream, model) => chat(model ?? 'm', stream),
    pid: proxy.pid,
  });

  const port = await freePort();
  const platform = await startPlatform(port, dataDir);
  children.push(platform);
  await configure(`http://127.0.0.1:${port}`, upstream);
  targets.push({
    name: `agenticai (${STORE})`,
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    headers: { authorization: `Bearer ${KEY}` },
    body: (stream, model) => chat(`stub/${model ?? 'm'}`, stream),
    pid: platform.pid,
  });

  const script = PORTKEY ? portkeyScript(join(root, 'bench', '.portkey')) : null;
  if (script) {
    const portkeyPort = await freePort();
    const portkey = node([script, `--port=${portkeyPort}`, '--headless'], {
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    children.push(portkey);
    await waitFor(`http://127.0.0.1:${portkeyPort}/`, portkey);
    targets.push({
      name: 'Portkey 1.15.2',
      url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`,
      headers: {
        authorization: 'Bearer sk-stub',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': upstream,
      },
      body: (stream, model) => chat(model ?? 'm', stream),
      pid: portkey.pid,
    });
  }

  // Warm-up: every server's JIT has seen the request path before anything is measured.
  for (const target of targets) await saturate(target, 'warm-up', 2, 10);
  for (let round = 0; round < ROUNDS; round++)
    for (const { run } of MODES)
      for (let i = 0; i < targets.length; i++)
        rows.push(await run(targets[(i + round) % targets.length] as Target));
  for (const target of targets.slice(2)) {
    const held = await holdStreams(target, STREAMS);
    holds.push(
      `| ${target.name} | ${STREAMS} | ${held.completed} | ${held.failed} | ${held.seconds.toFixed(1)} |`,
    );
  }
} finally {
  await Promise.all(children.map((child) => stop(child)));
  rmSync(dataDir, { recursive: true, force: true });
  if (STORE === 'postgres') {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}

/** The median over rounds of one target's row in one mode. */
function summary(target: string, mode: string): Row | undefined {
  const runs = rows.filter((row) => row.target === target && row.mode === mode);
  if (runs.length === 0) return undefined;
  return {
    target,
    mode,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((total, r) => total + r.errors, 0),
    cpuUs: median(runs.map((r) => r.cpuUs)),
  };
}
const names = [...new Set(rows.map((row) => row.target))];
const table = names
  .flatMap((name) => MODES.map(({ mode }) => summary(name, mode)))
  .filter((r) => r !== undefined);

console.log(
  `\nModel gateway, store ${STORE}, ${SECONDS} s per row, ${ROUNDS} round(s) (median), nothing pinned; ` +
    `saturation by ${hasWrk ? 'wrk' : 'autocannon (install wrk for a cheaper load generator)'}\n`,
);
console.log('| target | load | req/s | p50 ms | p99 ms | errors | server CPU µs/req |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of table)
  console.log(
    `| ${row.target} | ${row.mode} | ${Math.round(row.rps)} | ${f(row.p50)} | ${f(row.p99)} | ${row.errors} | ${f(row.cpuUs, 0)} |`,
  );
console.log(
  '\nAdded over the stub direct at the same load (ms), and throughput and CPU against the bare proxy\n',
);
console.log('| target | load | added p50 | added p99 | req/s ÷ bare proxy | CPU/req ÷ bare proxy |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const row of table) {
  const direct = summary(DIRECT, row.mode);
  const proxy = summary(PROXY, row.mode);
  if (!direct || !proxy || row.target === DIRECT) continue;
  console.log(
    `| ${row.target} | ${row.mode} | ${f(row.p50 - direct.p50)} | ${f(row.p99 - direct.p99)} | ` +
      `${f(row.rps / proxy.rps, 3)} | ${f(row.cpuUs / proxy.cpuUs, 2)} |`,
  );
}
console.log('\nConcurrent slow streams (20 chunks, 100 ms apart), all opened at once\n');
console.log('| target | opened | completed | failed | seconds |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const line of holds) console.log(line);
