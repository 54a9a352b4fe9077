/**
 * Load generators for bench/gateway.ts: a paced open-loop generator (fixed request rate, evenly
 * spaced, as a real fleet of clients sends), saturation with wrk (C, far cheaper per request than a
 * Node load generator, so it leaves the CPU to the servers) or autocannon where wrk is missing, and
 * CPU accounting of the server process under test from /proc.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: (stream: boolean, model?: string) => string;
  /** The server process measured (its CPU per request); absent for none. */
  pid?: number | undefined;
}

export interface Row {
  target: string;
  mode: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU of the server process (all its threads) per answered request, µs; NaN if unknown. */
  cpuUs: number;
}

export const hasWrk = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export const percentile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

const TICK_SECONDS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds used so far by every thread of a process (user + system), or NaN. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    let ticks = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / TICK_SECONDS;
  } catch {
    return Number.NaN;
  }
}

interface Outcome {
  p50: number;
  p99: number;
  answered: number;
  errors: number;
  seconds: number;
}

/** p50 / p99 of latencies in ms. */
const quantiles = (latencies: number[]): { p50: number; p99: number } => {
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
};

async function measured(target: Target, mode: string, run: () => Promise<Outcome>): Promise<Row> {
  const cpuBefore = cpuSeconds(target.pid);
  const { p50, p99, answered, errors, seconds } = await run();
  const cpu = cpuSeconds(target.pid) - cpuBefore;
  return {
    target: target.name,
    mode,
    rps: answered / seconds,
    p50,
    p99,
    errors,
    cpuUs: answered > 0 ? (cpu * 1e6) / answered : Number.NaN,
  };
}

/**
 * Open loop at `rate` requests per second, evenly spaced: request i leaves at start + i / rate
 * whatever the earlier ones are doing (a slow server is not given a break, as closed-loop
 * generators give it). Latency is from the moment a request was due to its last byte, so a
 * generator that falls behind shows as latency, not as a lower rate.
 */
export function paced(target: Target, mode: string, seconds: number, rate: number): Promise<Row> {
  return measured(target, mode, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const url = new URL(target.url);
    const body = target.body(false);
    const headers = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...target.headers,
    };
    const latencies: number[] = [];
    let errors = 0;
    const total = Math.round(rate * seconds);
    const interval = 1000 / rate;
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    const send = (due: number) =>
      new Promise<void>((resolve) => {
        const request = http.request(url, { method: 'POST', agent, headers }, (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 200) latencies.push(performance.now() - due);
            else errors += 1;
            resolve();
          });
        });
        request.on('error', () => {
          errors += 1;
          resolve();
        });
        request.end(body);
      });
    let sent = 0;
    while (sent < total) {
      const now = performance.now();
      while (sent < total && started + sent * interval <= now) {
        inFlight.push(send(started + sent * interval));
        sent += 1;
      }
      const next = started + sent * interval - performance.now();
      // Timers are coarse (≈1 ms): sleep while the next request is far, yield to I/O when near.
      await new Promise<void>((resolve) =>
        next > 1.5 ? setTimeout(resolve, next - 1) : setImmediate(resolve),
      );
    }
    await Promise.all(inFlight);
    agent.destroy();
    const answered = latencies.length;
    return { ...quantiles(latencies), answered, errors, seconds: (performance.now() - started) / 1000 };
  });
}

/** Closed loop: `connections` clients, each sending its next request when the last one ended. */
export function saturate(target: Target, mode: string, seconds: number, connections: number): Promise<Row> {
  return measured(target, mode, () =>
    hasWrk ? wrk(target, seconds, connections) : cannon(target, seconds, connections),
  );
}

async function wrk(target: Target, seconds: number, connections: number): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'agenticai-wrk-'));
  const script = join(dir, 'post.lua');
  const headers = Object.entries({ 'Content-Type': 'application/json', ...target.headers })
    .map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
    .join('\n');
  // wrk reports percentiles in its own format; this prints them in microseconds, one per line.
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(target.body(false))}\n${headers}\n` +
      `done = function(summary, latency, requests)\n` +
      `  io.write(string.format("answered %d\\nerrors %d\\nduration %d\\n", summary.requests,` +
      ` summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status +` +
      ` summary.errors.timeout, summary.duration))\n` +
      `  for _, p in pairs({50, 99}) do io.write(string.format("p%d %d\\n", p, latency:percentile(p))) end\n` +
      `end\n`,
  );
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, target.url], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.on('data', (part: Buffer) => {
        text += part.toString();
      });
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}`))));
    });
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(output)?.[1]);
    return {
      p50: value('p50') / 1000,
      p99: value('p99') / 1000,
      answered: value('answered') - value('errors'),
      errors: value('errors'),
      seconds: value('duration') / 1e6,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function cannon(target: Target, seconds: number, connections: number): Promise<Outcome> {
  const latencies: number[] = [];
  const starts = new Map<unknown, number>();
  const result = await autocannon({
    url: target.url,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.body(false),
    setupClient: (client: { on: (event: string, fn: (...args: unknown[]) => void) => void }) => {
      client.on('request', () => starts.set(client, performance.now()));
      client.on('response', () => {
        const began = starts.get(client);
        if (began !== undefined) latencies.push(performance.now() - began);
      });
    },
  } as never);
  const r = result as unknown as { requests: { total: number }; non2xx: number; errors: number };
  return {
    ...quantiles(latencies),
    answered: r.requests.total - r.non2xx,
    errors: r.non2xx + r.errors,
    seconds,
  };
}

/** One streaming request: time to the first `data:` byte, and whether it ended with [DONE], unbroken. */
function streamOnce(
  target: Target,
  agent: http.Agent,
  model?: string,
): Promise<{ ttfbMs: number; ok: boolean }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let ttfb = Number.NaN;
    let text = '';
    const url = new URL(target.url);
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', ...target.headers } },
      (response) => {
        response.setEncoding('utf8');
        response.on('data', (part: string) => {
          if (Number.isNaN(ttfb)) ttfb = performance.now() - started;
          text += part;
        });
        response.on('end', () =>
          resolve({
            ttfbMs: ttfb,
            ok: response.statusCode === 200 && text.includes('[DONE]') && !text.includes('"error"'),
          }),
        );
        response.on('error', () => resolve({ ttfbMs: ttfb, ok: false }));
      },
    );
    request.on('error', () => resolve({ ttfbMs: ttfb, ok: false }));
    request.end(target.body(true, model));
  });
}

/** Streaming: `connections` clients in a loop for `seconds`; time to first byte p50 / p99. */
export function streamLoad(target: Target, seconds: number, connections: number): Promise<Row> {
  return measured(target, `stream TTFB, ${connections} conn`, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    const ttfbs: number[] = [];
    let errors = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < until) {
          const { ttfbMs, ok } = await streamOnce(target, agent);
          if (ok) ttfbs.push(ttfbMs);
          else errors += 1;
        }
      }),
    );
    agent.destroy();
    const answered = ttfbs.length;
    return { ...quantiles(ttfbs), answered, errors, seconds: (performance.now() - started) / 1000 };
  });
}

/** `count` slow streams (2 s each) open at once: how many end complete, and how long it took. */
export async function holdStreams(
  target: Target,
  count: number,
): Promise<{ completed: number; failed: number; seconds: number }> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: count });
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: count }, () => streamOnce(target, agent, 'slow')));
  agent.destroy();
  const completed = results.filter((result) => result.ok).length;
  return { completed, failed: count - completed, seconds: (performance.now() - started) / 1000 };
}
