/**
 * What telemetry costs the orchestrator: the step benchmark of bench/run-overhead.ts (a react agent
 * whose instant scripted model asks for K no-op `echo` calls, then answers: 2K+1 checkpointed
 * steps a run) on two `actl up` servers side by side, in the same run:
 * - on: the default, spans for every run, step, policy decision, model and tool call, exported in
 *   batches to the built-in trace store (PGlite), span-derived Prometheus metrics and the usage roll-up;
 * - on, trace store off: spans, span-derived metrics and usage, no export (what OTLP export adds
 *   happens on the collector's side of a batch);
 * - off: AGENTICAI_TELEMETRY=false (OTEL_SDK_DISABLED): no spans at all — the baseline.
 * Rounds alternate on / off, so drift hits both. Printed per setup: throughput (steps/s with RUNS
 * runs at once), per-step cycle time p50 / p99 of runs executed one at a time, and the loss of
 * throughput with telemetry on (target < 5 %).
 *
 * Usage: npx tsx bench/telemetry.ts [--runs=40] [--tools=10] [--rounds=5]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedModelServer } from '../test/support/scripted-model-server.ts';
import { api, BENCH_KEY, freePort, percentile, ready, waitAll } from './run-support.ts';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RUNS = arg('runs', 40);
const TOOLS = arg('tools', 10);
const ROUNDS = arg('rounds', 5);
const root = new URL('..', import.meta.url).pathname;

const median = (values: number[]) => percentile(values, 0.5);

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  dataDir: string;
}

async function start(name: string, env: Record<string, string>, modelUrl: string): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-telemetry-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/actl', 'up', '--port', String(port), '--data-dir', dataDir], {
    cwd: root,
    env: {
      ...process.env,
      AGENTICAI_LOG_LEVEL: 'error',
      AGENTICAI_BOOTSTRAP_ADMIN_KEY: BENCH_KEY,
      AGENTICAI_SANDBOX_DRIVER: 'none',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await ready(url);
  await api(url, 'POST', '/api/v1/apply', {
    items: [
      {
        apiVersion: 'agenticai.dev/v1alpha1',
        kind: 'ModelBackend',
        metadata: { name: 'instant' },
        spec: { type: 'openai-compatible', endpoint: modelUrl, models: ['m'], cost_per_1k: 0.002 },
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
    ],
  });
  return { name, url, child, dataDir };
}

/** RUNS runs at once: steps per second. */
async function throughput(server: Server): Promise<number> {
  const started = performance.now();
  const ids = (
    await Promise.all(
      Array.from({ length: RUNS }, () =>
        api(server.url, 'POST', '/api/v1/agents/looper/runs', { input: 'go' }),
      ),
    )
  ).map((run) => String(run.id));
  await waitAll(server.url, ids);
  return (RUNS * (2 * TOOLS + 1)) / ((performance.now() - started) / 1000);
}

/** Runs one at a time (followed on their SSE stream): gaps between consecutive step starts, ms. */
async function stepGaps(server: Server, runs: number): Promise<number[]> {
  const gaps: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const response = await fetch(`${server.url}/api/v1/agents/looper/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'alone', stream: true }),
    });
    const text = await response.text();
    const id = /"run_id":"([^"]+)"/.exec(text)?.[1];
    if (!id || !text.includes('event: run_completed'))
      throw new Error(`run did not complete: ${text.slice(-300)}`);
    const steps = (await api(server.url, 'GET', `/api/v1/runs/${id}/steps`)).items as Array<{
      started_at: string;
    }>;
    for (let j = 1; j < steps.length; j += 1)
      gaps.push(Date.parse(steps[j]?.started_at ?? '') - Date.parse(steps[j - 1]?.started_at ?? ''));
  }
  return gaps;
}

const model = await startScriptedModelServer();
model.setHandler((request) => {
  const toolAnswers = request.body.messages.filter((m) => m.role === 'tool').length;
  return toolAnswers < TOOLS
    ? {
        toolCalls: [{ name: 'echo', arguments: { text: `t${toolAnswers}` } }],
        usage: { prompt_tokens: 20, completion_tokens: 5 },
      }
    : { content: 'done', usage: { prompt_tokens: 30, completion_tokens: 2 } };
});
const servers: Server[] = [];
try {
  servers.push(await start('off: no spans (baseline)', { AGENTICAI_TELEMETRY: 'false' }, model.url));
  servers.push(
    await start(
      'tracing on: spans, metrics, usage; trace store off',
      { AGENTICAI_TRACE_STORE: 'false' },
      model.url,
    ),
  );
  servers.push(await start('tracing on + built-in trace store (default)', {}, model.url));
  // Warm-up: JIT, connections, the first run's query plans.
  for (const server of servers) await throughput(server);
  const rates = new Map<string, number[]>(servers.map((s) => [s.name, []]));
  const gaps = new Map<string, number[]>(servers.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      rates.get(server.name)?.push(await throughput(server));
      gaps.get(server.name)?.push(...(await stepGaps(server, 5)));
    }
  }
  const off = median(rates.get(servers[0]?.name ?? '') ?? []);
  console.log(
    `\n${RUNS} runs at once, ${2 * TOOLS + 1} steps each; ${ROUNDS} alternating rounds; PGlite (actl up)\n`,
  );
  console.log('| setup | steps/s (median of rounds) | step p50 ms | step p99 ms | vs off |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const server of servers) {
    const rate = median(rates.get(server.name) ?? []);
    const g = gaps.get(server.name) ?? [];
    console.log(
      `| ${server.name} | ${rate.toFixed(0)} | ${percentile(g, 0.5).toFixed(1)} | ${percentile(g, 0.99).toFixed(1)} | ${(rate / off).toFixed(3)}x |`,
    );
  }
  console.log('');
  for (const server of servers.slice(1)) {
    const rate = median(rates.get(server.name) ?? []);
    console.log(
      `${server.name}: throughput loss ${((1 - rate / off) * 100).toFixed(1)} % vs off (target < 5 %); rounds ${(rates.get(server.name) ?? []).map((r) => r.toFixed(0)).join(', ')}`,
    );
  }
  console.log(`off rounds: ${(rates.get(servers[0]?.name ?? '') ?? []).map((r) => r.toFixed(0)).join(', ')}`);
} finally {
  for (const server of servers) {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(server.dataDir, { recursive: true, force: true });
  }
  await model.close();
}
