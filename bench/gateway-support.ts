/**
 * Processes and load generators for bench/gateway.ts: the instant stub upstream, pinning, Portkey's
 * gateway as the anchor (installed into a scratch folder, never the project's dependencies), and
 * latency / time-to-first-byte measurement.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';

export const hasTaskset = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * The stub upstream (TEST DOUBLE of an OpenAI-compatible server): a fixed chat completion at once;
 * with `stream: true`, five chunks and [DONE] at once; model `slow` streams one chunk every 100 ms
 * for 2 s (for holding many streams open).
 */
export const STUB = `
const http = require('node:http');
const body = JSON.stringify({
  id: 'chatcmpl-stub', object: 'chat.completion', created: 1700000000, model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
});
const chunk = (content, finish) => 'data: ' + JSON.stringify({ id: 'chatcmpl-stub', object: 'chat.completion.chunk',
  created: 1700000000, model: 'm', choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }] }) + '\\n\\n';
const usage = 'data: ' + JSON.stringify({ id: 'chatcmpl-stub', object: 'chat.completion.chunk', created: 1700000000,
  model: 'm', choices: [], usage: { prompt_tokens: 5, completion_tokens: 5 } }) + '\\n\\n';
http.createServer((request, response) => {
  const parts = [];
  request.on('data', (part) => parts.push(part));
  request.on('end', () => {
    const text = Buffer.concat(parts).toString();
    if (!text.includes('"stream":true')) {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      response.end(body);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    if (text.includes('"model":"slow"')) {
      let sent = 0;
      const timer = setInterval(() => {
        if (sent === 20) { clearInterval(timer); response.end(chunk(null, 'stop') + usage + 'data: [DONE]\\n\\n'); return; }
        response.write(chunk('tick ', null)); sent += 1;
      }, 100);
      response.on('close', () => clearInterval(timer));
      return;
    }
    response.end(['one ', 'two ', 'three ', 'four ', 'five'].map((c) => chunk(c, null)).join('') + chunk(null, 'stop') + usage + 'data: [DONE]\\n\\n');
  });
}).listen(Number(process.argv[1]), '127.0.0.1', () => process.send && process.send('ready'));
`;

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function pinned(core: number, args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  return hasTaskset
    ? spawn('taskset', ['-c', String(core), process.execPath, ...args], options)
    : spawn(process.execPath, args, options);
}

export async function waitFor(url: string, child: ChildProcess): Promise<void> {
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

export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Portkey's open-source gateway, installed once into `dir` (pinned version, its streaming fix as
 * an override). Returns the start script, or null (with the reason printed) if it cannot install.
 */
export function portkeyScript(dir: string): string | null {
  const script = join(dir, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  if (existsSync(script)) return script;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'portkey-anchor', private: true, overrides: { '@hono/node-server': '1.13.5' } }),
  );
  const installed = spawnSync('npm', ['i', '-E', '--no-audit', '--no-fund', '@portkey-ai/gateway@1.15.2'], {
    cwd: dir,
    stdio: 'ignore',
  });
  if (installed.status !== 0 || !existsSync(script)) {
    console.log('(Portkey could not be installed from the npm registry: its rows are left out)');
    return null;
  }
  return script;
}

export interface Row {
  target: string;
  mode: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: (stream: boolean, model?: string) => string;
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** Non-streaming load: `connections` at full speed, or `rate` requests per second overall. */
export async function load(
  target: Target,
  mode: string,
  seconds: number,
  options: { connections: number; rate?: number },
): Promise<Row> {
  const latencies: number[] = [];
  const starts = new Map<unknown, number>();
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.body(false),
    ...(options.rate ? { overallRate: options.rate } : {}),
    setupClient: (client: { on: (event: string, fn: (...args: unknown[]) => void) => void }) => {
      client.on('request', () => starts.set(client, performance.now()));
      client.on('response', () => {
        const began = starts.get(client);
        if (began !== undefined) latencies.push(performance.now() - began);
      });
    },
  } as never);
  latencies.sort((a, b) => a - b);
  const r = result as unknown as { requests: { average: number }; non2xx: number; errors: number };
  return {
    target: target.name,
    mode,
    rps: r.requests.average,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors: r.non2xx + r.errors,
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
export async function streamLoad(target: Target, seconds: number, connections: number): Promise<Row> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const ttfbs: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
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
  ttfbs.sort((a, b) => a - b);
  return {
    target: target.name,
    mode: `stream TTFB, ${connections} conn`,
    rps: ttfbs.length / seconds,
    p50: percentile(ttfbs, 0.5),
    p99: percentile(ttfbs, 0.99),
    errors,
  };
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
