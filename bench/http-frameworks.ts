/**
 * HTTP framework benchmark: node:http (anchor) vs Hono (@hono/node-server) vs Fastify.
 *
 * Each server runs in its own child process, pinned to core 0 when `taskset` is available;
 * this process (the autocannon load generator) pins itself to core 1. All servers are up at
 * once but only one is loaded at a time. Per route: a discarded warm-up per server, then
 * ROUNDS rounds of SLICE_SECONDS per server, interleaved in a rotating order so that drift and
 * background load hit every server alike. Figures are medians over the rounds; ratios are
 * taken within a round (paired) and then the median is reported. Rounds in which other
 * processes used a noticeable share of CPU are dropped when enough clean rounds remain.
 *
 * Usage: npx tsx bench/http-frameworks.ts [--servers=node-http,hono,fastify]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { echoFixture } from './http-frameworks/echo-schema.ts';

const CONNECTIONS = 20;
const WARMUP_SECONDS = 2;
const ROUNDS = 5;
const SLICE_SECONDS = 2;
const CLIENT_BOUND_CPU_PCT = 90;
const INTERFERENCE_CPU_PCT = 10;
const MIN_CLEAN_ROUNDS = 3;
const STARTUP_TIMEOUT_MS = 20_000;
const SERVER_CORE = '0';
const CLIENT_CORE = '1';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(benchDir);

interface ServerDef {
  readonly name: string;
  readonly file: string;
}

const SERVERS: readonly ServerDef[] = [
  { name: 'node-http', file: 'node-http-server.ts' },
  { name: 'hono', file: 'hono-server.ts' },
  { name: 'fastify', file: 'fastify-server.ts' },
];
const ANCHOR = 'node-http';

interface RouteDef {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

const echoBody = JSON.stringify(echoFixture);

const ROUTES: readonly RouteDef[] = [
  { name: 'GET /healthz', method: 'GET', path: '/healthz' },
  {
    name: 'POST /api/v1/echo',
    method: 'POST',
    path: '/api/v1/echo',
    headers: { 'content-type': 'application/json' },
    body: echoBody,
  },
];

interface RunningServer {
  readonly def: ServerDef;
  readonly child: ChildProcess;
  readonly port: number;
}

interface Slice {
  readonly round: number;
  readonly server: string;
  readonly route: string;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuPct: number | undefined;
  readonly clientCpuPct: number;
  /** CPU used by everything except the server and this process (other jobs, softirq, steal). */
  readonly otherCpuPct: number | undefined;
  readonly errors: number;
  readonly non2xx: number;
}

const children = new Set<ChildProcess>();

function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

function parseServerSelection(argv: readonly string[]): readonly ServerDef[] {
  const arg = argv.find((a) => a.startsWith('--servers='));
  if (arg === undefined) return SERVERS;
  const names = arg
    .slice('--servers='.length)
    .split(',')
    .filter((n) => n.length > 0);
  return names.map((n) => {
    const def = SERVERS.find((s) => s.name === n);
    if (def === undefined)
      throw new Error(`unknown server "${n}"; known: ${SERVERS.map((s) => s.name).join(', ')}`);
    return def;
  });
}

function hasTaskset(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins this process (all threads) to the client core; returns why not when it cannot. */
function setUpPinning(): { pinned: true } | { pinned: false; reason: string } {
  if (!hasTaskset()) return { pinned: false, reason: 'taskset not found' };
  if (availableParallelism() < 2) return { pinned: false, reason: 'fewer than 2 cores available' };
  try {
    execFileSync('taskset', ['-a', '-p', '-c', CLIENT_CORE, String(process.pid)], { stdio: 'ignore' });
    return { pinned: true };
  } catch (error) {
    return { pinned: false, reason: `taskset failed: ${(error as Error).message}` };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

async function startServer(def: ServerDef, pinned: boolean): Promise<RunningServer> {
  const port = await freePort();
  const nodeArgs = ['--import', 'tsx', join(benchDir, 'http-frameworks', def.file)];
  // taskset execs node, so child.pid is the server's pid (used for /proc CPU accounting).
  const [command, args] = pinned
    ? ['taskset', ['-c', SERVER_CORE, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);

  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });

  const listeningPort = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      reject(
        new Error(`${def.name} did not print "listening <port>" within ${STARTUP_TIMEOUT_MS} ms\n${stderr}`),
      );
    }, STARTUP_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /^listening (\d+)$/m.exec(stdout);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${def.name} exited before listening (code ${code}, signal ${signal})\n${stderr}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });

  return { def, child, port: listeningPort };
}

async function stopServer(server: RunningServer): Promise<void> {
  const { child } = server;
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}

/** Fails fast if a server does not implement the routes identically. */
async function checkServer(server: RunningServer): Promise<void> {
  const base = `http://127.0.0.1:${server.port}`;
  const name = server.def.name;

  const health = await fetch(`${base}/healthz`);
  const healthBody: unknown = await health.json();
  if (health.status !== 200 || !isDeepStrictEqual(healthBody, { status: 'ok' })) {
    throw new Error(`${name}: GET /healthz returned ${health.status} ${JSON.stringify(healthBody)}`);
  }

  const echo = await fetch(`${base}/api/v1/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: echoBody,
  });
  const echoed: unknown = await echo.json();
  if (echo.status !== 201 || !isDeepStrictEqual(echoed, echoFixture)) {
    throw new Error(`${name}: POST /api/v1/echo returned ${echo.status} ${JSON.stringify(echoed)}`);
  }

  const rejected = await fetch(`${base}/api/v1/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...echoFixture, extra: true }),
  });
  await rejected.arrayBuffer();
  if (rejected.status !== 400) {
    throw new Error(
      `${name}: POST /api/v1/echo with an unknown key returned ${rejected.status}, expected 400`,
    );
  }
}

const clockTicksPerSecond = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User+system CPU seconds of a process from /proc; undefined where /proc is unavailable. */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine (all cores, steal included) from /proc/stat. */
function systemBusyCpuSeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (
      ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) /
      clockTicksPerSecond
    );
  } catch {
    return undefined;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

function defined(values: readonly (number | undefined)[]): number[] {
  return values.filter((v): v is number => v !== undefined);
}

function startLoad(port: number, route: RouteDef, seconds: number): ReturnType<typeof autocannon> {
  return autocannon({
    url: `http://127.0.0.1:${port}${route.path}`,
    connections: CONNECTIONS,
    duration: seconds,
    method: route.method,
    ...(route.headers === undefined ? {} : { headers: route.headers }),
    ...(route.body === undefined ? {} : { body: route.body }),
  });
}

async function measureSlice(server: RunningServer, route: RouteDef, round: number): Promise<Slice> {
  const latencies: number[] = [];
  const serverCpuBefore = processCpuSeconds(server.child.pid);
  const systemCpuBefore = systemBusyCpuSeconds();
  const clientCpuBefore = process.cpuUsage();
  const wallBefore = performance.now();

  const instance = startLoad(server.port, route, SLICE_SECONDS);
  // autocannon's own latency histogram has 1 ms resolution; record sub-ms latencies here.
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
  });
  const result = await instance;

  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverCpuAfter = processCpuSeconds(server.child.pid);
  const systemCpuAfter = systemBusyCpuSeconds();

  const clientCpuSeconds = (clientCpu.user + clientCpu.system) / 1e6;
  const serverCpuSeconds =
    serverCpuBefore === undefined || serverCpuAfter === undefined
      ? undefined
      : serverCpuAfter - serverCpuBefore;
  const otherCpuSeconds =
    systemCpuBefore === undefined || systemCpuAfter === undefined || serverCpuSeconds === undefined
      ? undefined
      : Math.max(0, systemCpuAfter - systemCpuBefore - serverCpuSeconds - clientCpuSeconds);
  const sorted = Float64Array.from(latencies).sort();

  return {
    round,
    server: server.def.name,
    route: route.name,
    reqPerSec: result.requests.total / result.duration,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    serverCpuPct: serverCpuSeconds === undefined ? undefined : (serverCpuSeconds / wallSeconds) * 100,
    clientCpuPct: (clientCpuSeconds / wallSeconds) * 100,
    otherCpuPct: otherCpuSeconds === undefined ? undefined : (otherCpuSeconds / wallSeconds) * 100,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Rotates the server order by one position per round so no server always goes first. */
function rotated<T>(items: readonly T[], by: number): T[] {
  const n = items.length;
  return items.map((_, i) => items[(i + by) % n]).filter((x): x is T => x !== undefined);
}

async function measureRoute(servers: readonly RunningServer[], route: RouteDef): Promise<Slice[]> {
  for (const server of servers) {
    await startLoad(server.port, route, WARMUP_SECONDS);
  }
  const slices: Slice[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const server of rotated(servers, round)) {
      slices.push(await measureSlice(server, route, round));
    }
    const roundSlices = slices.filter((sl) => sl.round === round);
    console.log(
      `  ${route.name.padEnd(18)} round ${round + 1}/${ROUNDS}: ` +
        roundSlices.map((sl) => `${sl.server} ${Math.round(sl.reqPerSec)}`).join(', ') +
        ' req/s' +
        (isCleanRound(roundSlices) ? '' : ` (disturbed: other processes >= ${INTERFERENCE_CPU_PCT}% CPU)`),
    );
  }
  return slices;
}

function isCleanRound(roundSlices: readonly Slice[]): boolean {
  return roundSlices.every((sl) => (sl.otherCpuPct ?? 0) < INTERFERENCE_CPU_PCT);
}

/** Per route, the slices of clean rounds if there are at least MIN_CLEAN_ROUNDS, else all. */
function selectRounds(slices: readonly Slice[]): { used: Slice[]; notes: string[] } {
  const used: Slice[] = [];
  const notes: string[] = [];
  for (const route of ROUTES) {
    const routeSlices = slices.filter((sl) => sl.route === route.name);
    const clean: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (isCleanRound(routeSlices.filter((sl) => sl.round === round))) clean.push(round);
    }
    if (clean.length >= MIN_CLEAN_ROUNDS) {
      used.push(...routeSlices.filter((sl) => clean.includes(sl.round)));
      notes.push(`${route.name}: ${clean.length}/${ROUNDS} clean rounds used`);
    } else {
      used.push(...routeSlices);
      notes.push(
        `${route.name}: only ${clean.length}/${ROUNDS} clean rounds, using all; RESULTS DISTURBED BY OTHER LOAD, rerun on a quiet machine`,
      );
    }
  }
  return { used, notes };
}

function formatTable(rows: readonly (readonly string[])[], rightAligned: readonly boolean[]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? [];
  const line = (row: readonly string[]): string =>
    `| ${row
      .map((cell, col) =>
        rightAligned[col] === true ? cell.padStart(widths[col] ?? 0) : cell.padEnd(widths[col] ?? 0),
      )
      .join(' | ')} |`;
  const separator = `| ${widths
    .map((w, col) => (rightAligned[col] === true ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)))
    .join(' | ')} |`;
  const [header, ...body] = rows;
  return [line(header ?? []), separator, ...body.map(line)].join('\n');
}

/** Per-round ratios a/b; pairing within a round cancels drift and background load common to both. */
function pairedRatios(slices: readonly Slice[], route: string, a: string, b: string): number[] {
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const sa = slices.find((sl) => sl.round === round && sl.route === route && sl.server === a);
    const sb = slices.find((sl) => sl.round === round && sl.route === route && sl.server === b);
    if (sa !== undefined && sb !== undefined) ratios.push(sa.reqPerSec / sb.reqPerSec);
  }
  return ratios;
}

function fmtPct(value: number | undefined): string {
  return value === undefined ? 'n/a' : value.toFixed(0);
}

function printResults(servers: readonly ServerDef[], allSlices: readonly Slice[]): void {
  const { used: slices, notes } = selectRounds(allSlices);
  const rows: string[][] = [
    [
      'server',
      'route',
      'req/s',
      'round min–max',
      'p50 ms',
      'p99 ms',
      'vs node:http',
      'server CPU %',
      'client CPU %',
      'other CPU %',
    ],
  ];
  for (const route of ROUTES) {
    for (const server of servers) {
      const own = slices.filter((sl) => sl.route === route.name && sl.server === server.name);
      const rps = own.map((sl) => sl.reqPerSec);
      const vsAnchor = pairedRatios(slices, route.name, server.name, ANCHOR);
      rows.push([
        server.name,
        route.name,
        Math.round(median(rps)).toString(),
        `${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))}`,
        median(own.map((sl) => sl.p50Ms)).toFixed(2),
        median(own.map((sl) => sl.p99Ms)).toFixed(2),
        vsAnchor.length === 0 ? 'n/a' : `${median(vsAnchor).toFixed(2)}x`,
        fmtPct(median(defined(own.map((sl) => sl.serverCpuPct)))),
        fmtPct(median(own.map((sl) => sl.clientCpuPct))),
        fmtPct(median(defined(own.map((sl) => sl.otherCpuPct)))),
      ]);
    }
  }
  console.log(
    `\n${formatTable(rows, [false, false, true, true, true, true, true, true, true, true])}\n` +
      `req/s, p50, p99 and CPU: median over rounds of ${SLICE_SECONDS}s; ` +
      `"vs node:http": median of per-round ratios; CPU % is of one core.\n` +
      notes.join('\n') +
      '\n',
  );

  if (servers.some((s) => s.name === 'hono') && servers.some((s) => s.name === 'fastify')) {
    for (const route of ROUTES) {
      const ratios = pairedRatios(slices, route.name, 'hono', 'fastify');
      const lo = Math.min(...ratios);
      const hi = Math.max(...ratios);
      const verdict =
        lo <= 1 && hi >= 1
          ? 'no consistent difference (per-round ratios straddle 1.00)'
          : `${hi < 1 ? 'Fastify' : 'Hono'} faster in all ${ratios.length} rounds`;
      console.log(
        `hono / fastify ${route.name.padEnd(18)}: median ${median(ratios).toFixed(2)}x, ` +
          `rounds ${lo.toFixed(2)}–${hi.toFixed(2)} -> ${verdict}`,
      );
    }
    console.log('');
  }

  for (const route of ROUTES) {
    for (const server of servers) {
      const matches = (sl: Slice): boolean => sl.route === route.name && sl.server === server.name;
      const label = `${server.name} ${route.name}`;
      const all = allSlices.filter(matches);
      const errors = all.reduce((n, sl) => n + sl.errors, 0);
      const non2xx = all.reduce((n, sl) => n + sl.non2xx, 0);
      if (errors > 0 || non2xx > 0) {
        console.log(`WARNING: ${label}: ${errors} errors/timeouts, ${non2xx} non-2xx responses`);
      }
      const own = slices.filter(matches);
      const clientBound = own.filter((sl) => sl.clientCpuPct >= CLIENT_BOUND_CPU_PCT).length;
      if (clientBound > 0) {
        console.log(
          `WARNING: ${label}: load generator >= ${CLIENT_BOUND_CPU_PCT}% CPU in ${clientBound}/${own.length} rounds; req/s may be client-bound`,
        );
      }
    }
  }
}

async function main(): Promise<void> {
  const selected = parseServerSelection(process.argv.slice(2));
  // Read before pinning: afterwards availableParallelism() reports only the client core.
  const cores = availableParallelism();
  const pinning = setUpPinning();

  console.log('HTTP framework benchmark: node:http (anchor) vs Hono vs Fastify');
  console.log(
    `node ${process.version}, ${cores} cores, ${CONNECTIONS} connections, body ${Buffer.byteLength(echoBody)} B; ` +
      `per route: ${WARMUP_SECONDS}s warm-up per server, then ${ROUNDS} interleaved rounds x ${SLICE_SECONDS}s per server`,
  );
  console.log(
    pinning.pinned
      ? `pinning: servers on core ${SERVER_CORE}, load generator on core ${CLIENT_CORE} (taskset)`
      : `pinning: NONE (${pinning.reason}); servers and load generator share all cores, results are noisier`,
  );

  const servers: RunningServer[] = [];
  try {
    for (const def of selected) {
      const server = await startServer(def, pinning.pinned);
      servers.push(server);
      await checkServer(server);
    }
    console.log(`servers up and answering identically: ${selected.map((s) => s.name).join(', ')}\n`);

    const slices: Slice[] = [];
    for (const route of ROUTES) {
      slices.push(...(await measureRoute(servers, route)));
    }
    printResults(selected, slices);
  } finally {
    await Promise.all(servers.map(stopServer));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}
process.once('exit', killAllChildren);

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  killAllChildren();
}
