/**
 * What governance adds to a tool call: the same MCP tool (an echo, built with the tool SDK, in
 * its own process) called four ways, one call at a time, in the same run:
 *
 *   - bare MCP (anchor): the official MCP client straight to the tool server;
 *   - bare MCP through a bare node:http proxy (second anchor): the same client, one extra process
 *     hop that forwards bytes and does nothing else: what any gateway in its own process pays
 *     before governance does anything;
 *   - through the platform's REST `POST /api/v1/tools/{name}:invoke` (schema check, PDP, quotas,
 *     secret injection, result cap, masking, one hash-chained audit record);
 *   - through the platform's MCP gateway at /mcp (the same, behind an MCP client);
 *   - the built-in `echo` through `:invoke` (the governed path with no MCP hop at all).
 *
 * The platform runs as `actl serve` (PGlite) in a child process; rounds rotate the order.
 *
 *   npx tsx bench/tools.ts [--calls=2000] [--rounds=3]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { guardedFetch } from '../src/tools/mcp/guarded-fetch.ts';
import { cpuSeconds, percentile } from './gateway-load.ts';
import { freePort, stop, waitFor } from './gateway-support.ts';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const CALLS = Number(arg('calls') ?? 2000);
const ROUNDS = Number(arg('rounds') ?? 3);
const KEY = 'ak_bench_tools_0123456789abcdefghij';
const root = new URL('..', import.meta.url).pathname;

/** The tool server (a child process): one echo tool, built with the SDK. */
const TOOL_SERVER = `
import { z } from 'zod';
import { defineTool, serveTools } from '${root}src/sdk/index.ts';
const echo = defineTool({ name: 'echo', description: 'Echoes its text', input: z.object({ text: z.string() }),
  annotations: { readOnly: true, idempotent: true }, run: (_ctx, { text }) => text });
const served = await serveTools([echo], { port: Number(process.argv[1]) });
process.stdout.write('ready ' + served.url + '\\n');
`;

/**
 * The hop anchor: a node:http reverse proxy in its own process that passes every request (method,
 * path, headers, body) to the tool server over keep-alive connections and streams the answer
 * back: no authentication, parsing, policy or audit. argv: its port, the tool server's URL.
 */
const HOP = `
const http = require('node:http');
const port = Number(process.argv[1]);
const target = new URL(process.argv[2]);
const agent = new http.Agent({ keepAlive: true });
http.createServer((request, response) => {
  const { host, connection, ...headers } = request.headers;
  const forward = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: request.method,
    headers, agent }, (answer) => {
    response.writeHead(answer.statusCode, answer.headers);
    answer.pipe(response);
  });
  forward.on('error', () => { response.writeHead(502); response.end(); });
  request.pipe(forward);
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

/**
 * Both MCP clients (anchor and /mcp) send with node:http keep-alive, as the platform does towards
 * tool servers: the global fetch costs the client more per call, and undici keeps an abort
 * listener per request on the transport's signal until garbage collection.
 */
async function mcpClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, fetch: guardedFetch(true) }),
  );
  return client;
}

const ANCHOR_WAY = 'bare MCP (anchor)';
const HOP_WAY = 'bare MCP through a bare node:http proxy (hop anchor)';

interface Way {
  name: string;
  pid?: number | undefined;
  call: (i: number) => Promise<void>;
}

async function measure(way: Way): Promise<{ p50: number; p99: number; cpuUs: number }> {
  for (let i = 0; i < 200; i++) await way.call(i);
  const latencies: number[] = [];
  const before = cpuSeconds(way.pid);
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    await way.call(i);
    latencies.push(performance.now() - started);
  }
  const cpu = cpuSeconds(way.pid) - before;
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), cpuUs: (cpu * 1e6) / CALLS };
}

const children: ChildProcess[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-bench-tools-'));
const results = new Map<string, Array<{ p50: number; p99: number; cpuUs: number }>>();
try {
  const toolPort = await freePort();
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', TOOL_SERVER, String(toolPort)],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(server);
  const toolUrl = await new Promise<string>((resolve) =>
    server.stdout?.on('data', (chunk: Buffer) => {
      const match = /ready (\S+)/.exec(chunk.toString());
      if (match) resolve(match[1] as string);
    }),
  );

  const hopPort = await freePort();
  const hop = spawn(process.execPath, ['-e', HOP, String(hopPort), toolUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(hop);
  await new Promise((resolve) => hop.stdout?.once('data', resolve));

  const port = await freePort();
  const platform = spawn(
    process.execPath,
    ['bin/actl', 'serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'],
    {
      cwd: root,
      env: { ...process.env, AGENTICAI_BOOTSTRAP_ADMIN_KEY: KEY },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(platform);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`, platform);
  const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const created = await fetch(`${base}/api/v1/tool-servers`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'ToolServer',
      metadata: { name: 'bench' },
      spec: { transport: 'streamable-http', url: toolUrl, internal: true },
    }),
  });
  if (created.status !== 201) throw new Error(`tool server: ${created.status} ${await created.text()}`);

  const direct = await mcpClient(toolUrl);
  const hopped = await mcpClient(`http://127.0.0.1:${hopPort}/mcp`);
  const gateway = await mcpClient(`${base}/mcp`, { authorization: `Bearer ${KEY}` });
  // The REST calls go through the same node:http keep-alive client as the MCP clients.
  const post = guardedFetch(true);
  const invoke = async (name: string, text: string) => {
    const response = await post(`${base}/api/v1/tools/${name}:invoke`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ arguments: { text } }),
    });
    if (response.status !== 200) throw new Error(`${name}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  const ways: Way[] = [
    {
      name: ANCHOR_WAY,
      pid: server.pid,
      call: async (i) => void (await direct.callTool({ name: 'echo', arguments: { text: `hi ${i}` } })),
    },
    {
      name: HOP_WAY,
      pid: hop.pid,
      call: async (i) => void (await hopped.callTool({ name: 'echo', arguments: { text: `hi ${i}` } })),
    },
    {
      name: 'platform REST :invoke (MCP tool)',
      pid: platform.pid,
      call: (i) => invoke('bench__echo', `hi ${i}`),
    },
    {
      name: 'platform MCP gateway /mcp',
      pid: platform.pid,
      call: async (i) =>
        void (await gateway.callTool({ name: 'bench__echo', arguments: { text: `hi ${i}` } })),
    },
    {
      name: 'platform REST :invoke (built-in echo)',
      pid: platform.pid,
      call: (i) => invoke('echo', `hi ${i}`),
    },
  ];
  for (let round = 0; round < ROUNDS; round++)
    for (let i = 0; i < ways.length; i++) {
      const way = ways[(i + round) % ways.length] as Way;
      const result = await measure(way);
      results.set(way.name, [...(results.get(way.name) ?? []), result]);
    }
  await direct.close();
  await hopped.close();
  await gateway.close();
} finally {
  for (const child of children) await stop(child);
  rmSync(dataDir, { recursive: true, force: true });
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;
const typical = (name: string) => {
  const runs = results.get(name) ?? [];
  return {
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpu: median(runs.map((r) => r.cpuUs)),
  };
};
const anchor = typical(ANCHOR_WAY);
const hopAnchor = typical(HOP_WAY);
const over = (value: number, base: number) => (value - base).toFixed(2);
console.log(
  `\nTool calls, one at a time, ${CALLS} per round, ${ROUNDS} rounds (median of rounds); CPU is the server process's (tool server for the anchor, the proxy for the hop, platform otherwise)\n`,
);
console.log(
  '| way | p50 ms | p99 ms | added p50 ms | added p99 ms | over the hop p50 ms | over the hop p99 ms | server CPU µs/call |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const name of [ANCHOR_WAY, HOP_WAY, ...[...results.keys()].filter((n) => !n.startsWith('bare'))]) {
  const { p50, p99, cpu } = typical(name);
  const added = name === ANCHOR_WAY ? ['–', '–'] : [over(p50, anchor.p50), over(p99, anchor.p99)];
  const overHop = name.startsWith('bare') ? ['–', '–'] : [over(p50, hopAnchor.p50), over(p99, hopAnchor.p99)];
  console.log(
    `| ${name} | ${p50.toFixed(2)} | ${p99.toFixed(2)} | ${added[0]} | ${added[1]} | ${overHop[0]} | ${overHop[1]} | ${cpu.toFixed(0)} |`,
  );
}
