/**
 * Orchestration overhead of durable runs. A react agent whose scripted model (a test double
 * answering instantly, in this process) asks for K no-op `echo` tool calls and then answers: each
 * run is 2K+1 steps, every one checkpointed (step rows, events, lease-fenced writes).
 *
 * Measured, on PGlite (`actl up`, one process) and on PostgreSQL (`actl serve` without workers +
 * 1 or 2 `actl worker` processes):
 * - per-step cycle time (gap between consecutive step starts) of runs executed one at a time, p50 / p99;
 * - throughput: RUNS runs started at once, total steps / wall time;
 * - POST with stream: true → `run_started` on the SSE stream, one run at a time (a one-node
 *   workflow, each run finished before the next), p50 / p99.
 * Anchor, in the same run: the same model and tool calls made directly in-process, without the
 * platform (no durability) — the raw cost of a step, so the overhead is the difference.
 *
 * Usage: npx tsx bench/run-overhead.ts [--runs=100] [--tools=10] [--latency-samples=100] [--no-postgres]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { OpenAICompatibleModelClient } from '../src/runtime/index.ts';
import { BuiltinToolInvoker } from '../src/tools/index.ts';
import { startScriptedModelServer } from '../test/support/scripted-model-server.ts';
import { api, BENCH_KEY, freePort, percentile, ready, waitAll } from './run-support.ts';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RUNS = arg('runs', 100);
const TOOLS = arg('tools', 10);
const LATENCY_SAMPLES = arg('latency-samples', 100);
const WITH_POSTGRES = !process.argv.includes('--no-postgres');
const DATABASE_URL = process.env.AGENTICAI_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const root = new URL('..', import.meta.url).pathname;

function actl(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['bin/actl', ...args], {
    cwd: root,
    env: { ...process.env, AGENTICAI_LOG_LEVEL: 'error', AGENTICAI_BOOTSTRAP_ADMIN_KEY: BENCH_KEY, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** POSTs a run with stream: true and reads the stream to its end; returns the run id. */
async function followToEnd(url: string, agent: string, input: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/agents/${agent}/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input, stream: true }),
  });
  const text = await response.text();
  const id = /"run_id":"([^"]+)"/.exec(text)?.[1] ?? /"id":"([^"]+)"/.exec(text)?.[1];
  if (!text.includes('event: run_completed') || !id)
    throw new Error(`run did not complete: ${text.slice(-500)}`);
  return id;
}

interface Result {
  setup: string;
  stepP50: number;
  stepP99: number;
  stepsPerSecond: number;
  startP50: number;
  startP99: number;
}

async function measure(setup: string, url: string, modelUrl: string): Promise<Result> {
  await api(url, 'POST', '/api/v1/apply', {
    items: [
      {
        apiVersion: 'agenticai.dev/v1alpha1',
        kind: 'ModelBackend',
        metadata: { name: 'instant' },
        spec: { type: 'openai-compatible', endpoint: modelUrl, models: ['m'] },
      },
      {
        apiVersion: 'agenticai.dev/v1alpha1',
        kind: 'Agent',
        metadata: { name: 'looper' },
        spec: {
          model: { backend: 'instant', name: 'm' },
          runtime: 'react',
          tools: ['echo'],
          limits: { maxSteps: 1000 },
        },
      },
      {
        apiVersion: 'agenticai.dev/v1alpha1',
        kind: 'Agent',
        metadata: { name: 'one-node' },
        spec: {
          model: { backend: 'instant', name: 'm' },
          runtime: 'workflow',
          tools: ['echo'],
          workflow: { nodes: [{ id: 'say', type: 'tool', tool: 'echo', args: { text: 'hi' } }] },
        },
      },
    ],
  });
  // Warm-up: JIT, connections, caches.
  await Promise.all(
    Array.from({ length: 10 }, () => api(url, 'POST', '/api/v1/agents/looper/runs', { input: 'warm' })),
  );
  await new Promise((r) => setTimeout(r, 2000));

  const gaps: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    // Followed on its own SSE stream (which ends with the run), as a client would: polling the
    // list here would load the server while it is being timed.
    const runId = await followToEnd(url, 'looper', 'alone');
    const run = { id: runId };
    const steps = (await api(url, 'GET', `/api/v1/runs/${run.id}/steps`)).items as Array<{
      started_at: string;
    }>;
    for (let j = 1; j < steps.length; j += 1) {
      gaps.push(Date.parse(steps[j]?.started_at ?? '') - Date.parse(steps[j - 1]?.started_at ?? ''));
    }
  }

  const started = performance.now();
  const ids = (
    await Promise.all(
      Array.from({ length: RUNS }, () => api(url, 'POST', '/api/v1/agents/looper/runs', { input: 'go' })),
    )
  ).map((run) => String(run.id));
  await waitAll(url, ids);
  const wallSeconds = (performance.now() - started) / 1000;
  const stepsPerRun = 2 * TOOLS + 1;

  const startLatencies: number[] = [];
  for (let i = -5; i < LATENCY_SAMPLES; i += 1) {
    const t0 = performance.now();
    const response = await fetch(`${url}/api/v1/agents/one-node/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'latency', stream: true }),
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    let seen = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      if (!seen && text.includes('event: run_started')) {
        // The first five are warm-up (the first run of an agent plans its queries).
        if (i >= 0) startLatencies.push(performance.now() - t0);
        seen = true;
      }
    }
  }
  return {
    setup,
    stepP50: percentile(gaps, 0.5),
    stepP99: percentile(gaps, 0.99),
    stepsPerSecond: (RUNS * stepsPerRun) / wallSeconds,
    startP50: percentile(startLatencies, 0.5),
    startP99: percentile(startLatencies, 0.99),
  };
}

async function anchor(modelUrl: string): Promise<{ p50: number; p99: number }> {
  const models = new OpenAICompatibleModelClient();
  const tools = new BuiltinToolInvoker();
  const target = { backend: 'instant', endpoint: modelUrl, timeoutMs: 30_000 };
  const durations: number[] = [];
  const signal = new AbortController().signal;
  for (let i = 0; i < 2000; i += 1) {
    const t0 = performance.now();
    if (i % 2 === 0) {
      await models.chat(
        target,
        { model: 'm', messages: [{ role: 'user', content: 'x' }] },
        { signal, idempotencyKey: `a:${i}`, onToken: () => {} },
      );
    } else {
      await tools.invoke('echo', { text: 'x' }, { signal, idempotencyKey: `a:${i}`, config: {} });
    }
    durations.push(performance.now() - t0);
  }
  return { p50: percentile(durations.slice(200), 0.5), p99: percentile(durations.slice(200), 0.99) };
}

const model = await startScriptedModelServer();
model.setHandler((request) => {
  const toolAnswers = request.body.messages.filter((m) => m.role === 'tool').length;
  return toolAnswers < TOOLS
    ? { toolCalls: [{ name: 'echo', arguments: { text: `t${toolAnswers}` } }] }
    : { content: 'done' };
});
const results: Result[] = [];
const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
try {
  const base = await anchor(model.url);
  {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-runs-'));
    const port = await freePort();
    const child = actl(['up', '--port', String(port), '--data-dir', dataDir], {});
    children.push(child);
    await ready(`http://127.0.0.1:${port}`);
    results.push(await measure('PGlite, actl up (1 process)', `http://127.0.0.1:${port}`, model.url));
    child.kill('SIGTERM');
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  }
  if (WITH_POSTGRES) {
    for (const workers of [1, 2]) {
      const schema = `bench_${Date.now()}_${workers}`;
      const dataDir = mkdtempSync(join(tmpdir(), 'bench-runs-'));
      const port = await freePort();
      const env = { DATABASE_URL, AGENTICAI_DATABASE_SCHEMA: schema, AGENTICAI_WORKER_CONCURRENCY: '32' };
      const server = actl(['serve', '--port', String(port), '--data-dir', dataDir], {
        ...env,
        AGENTICAI_WORKERS: 'false',
      });
      children.push(server);
      await ready(`http://127.0.0.1:${port}`);
      const workerProcesses = Array.from({ length: workers }, () =>
        actl(['worker', '--data-dir', dataDir], env),
      );
      children.push(...workerProcesses);
      await new Promise((r) => setTimeout(r, 1500));
      results.push(
        await measure(`PostgreSQL, ${workers} worker process(es)`, `http://127.0.0.1:${port}`, model.url),
      );
      for (const child of [server, ...workerProcesses]) child.kill('SIGTERM');
      cleanups.push(async () => {
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
        rmSync(dataDir, { recursive: true, force: true });
      });
    }
  }
  console.log(
    `\n${RUNS} runs at once, ${2 * TOOLS + 1} steps each (${TOOLS} no-op tool calls); instant scripted model\n`,
  );
  console.log(
    `anchor (same model and tool calls in-process, no platform): p50 ${base.p50.toFixed(2)} ms, p99 ${base.p99.toFixed(2)} ms per step\n`,
  );
  console.log(
    '| setup | step cycle p50 ms | step cycle p99 ms | overhead p50 vs anchor ms | steps/s | POST→run_started p50 ms | p99 ms |',
  );
  console.log('|---|--:|--:|--:|--:|--:|--:|');
  for (const r of results) {
    console.log(
      `| ${r.setup} | ${r.stepP50.toFixed(1)} | ${r.stepP99.toFixed(1)} | ${(r.stepP50 - base.p50).toFixed(1)} | ${Math.round(r.stepsPerSecond)} | ${r.startP50.toFixed(1)} | ${r.startP99.toFixed(1)} |`,
    );
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 500));
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await model.close();
}
