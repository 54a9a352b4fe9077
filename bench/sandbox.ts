/**
 * Sandbox start and exec latency of each local driver this host can run (gVisor: root and
 * /usr/bin/runsc; bubblewrap: /usr/bin/bwrap), side by side, with anchors from the same run:
 *
 *   - host spawn: `/usr/bin/true` started the way the drivers start their launcher (runProcess:
 *     pipes, own process group), no isolation at all: the floor of any exec here;
 *   - bare bwrap: `bwrap --unshare-all` with the system directories bound read-only, as root, no
 *     wrapper: what a launcher (cgroup join, setpriv), mounts, seccomp and prlimit add;
 *   - bare runsc: `runsc --network=none run` of a minimal bundle running `true` (one shot: boot,
 *     run, tear down), and `runsc exec` of `true` into one of our running sandboxes.
 *
 * Rows: cold (`driver.create` → the result of the first `exec(['/usr/bin/true'])`, destroy not
 * timed); warm pool (`SandboxManager.create` taking a pooled sandbox, and that → the first exec's
 * result, the pool full before every sample); exec throughput of `true` on one sandbox, back to
 * back, 1 and 4 in flight; and for bubblewrap the exec's launcher built up one step at a time.
 *
 * Every latency sample follows an idle pause (IDLE_MS), as requests arrive in practice: on cgroup
 * v1 the first cgroup join after a pause waits for an RCU grace period, so back-to-back samples
 * would hide what a user sees. Throughput rows are back to back.
 *
 *   npx tsx bench/sandbox.ts [--drivers=bubblewrap,gvisor] [--seconds=3]
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { SandboxLimitsSchema } from '../src/contracts/index.ts';
import { systemClock } from '../src/core/index.ts';
import { type CgroupVersion, detectCgroups, SandboxCgroup } from '../src/sandbox/cgroups.ts';
import { hostSystemPaths, SYSTEM_DIRECTORIES } from '../src/sandbox/host-root.ts';
import {
  BubblewrapSandboxDriver,
  type ExecResult,
  GvisorSandboxDriver,
  type SandboxDriver,
  SandboxManager,
} from '../src/sandbox/index.ts';
import { runProcess } from '../src/sandbox/run-process.ts';
import { seccompProgram } from '../src/sandbox/seccomp.ts';
import { SANDBOX_UID } from '../src/sandbox/workspace.ts';
import { percentile } from './gateway-load.ts';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const SECONDS = Number(arg('seconds') ?? 3);
const IDLE_MS = 50;
const POOL_SIZE = 4;
const TRUE = ['/usr/bin/true'];
const IS_ROOT = process.getuid?.() === 0;
const LOCAL_DRIVERS = ['bubblewrap', 'gvisor'] as const;
type LocalDriver = (typeof LOCAL_DRIVERS)[number];
/** Samples per latency row: gVisor starts take hundreds of ms, bubblewrap's tens. */
const SAMPLES: Record<LocalDriver, { cold: number; warm: number; apart: number }> = {
  bubblewrap: { cold: 100, warm: 100, apart: 40 },
  gvisor: { cold: 30, warm: 30, apart: 20 },
};
const LADDER_ROUNDS = 30;
const limits = SandboxLimitsSchema.parse({});

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}
interface Row {
  driver: string;
  what: string;
  stats: Stats;
  /** The bare runtime this row is read against. */
  bare?: string;
}
interface Throughput {
  driver: string;
  inFlight: number;
  /** Successful calls per second; latency is theirs only. */
  perSecond: number;
  stats: Stats;
  errors: number;
  firstError?: string;
}

const rows: Row[] = [];
const throughputs: Throughput[] = [];
const ladder: Array<{ step: string; stats: Stats; base?: string; added?: number }> = [];
const anchors = new Map<string, Stats>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const statsOf = (samples: readonly number[]): Stats => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
  };
};
const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

/** `count` samples, each after an idle pause. */
async function sampled(count: number, one: () => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(IDLE_MS);
    samples.push(await one());
  }
  return samples;
}

/**
 * `inFlight` loops of `one` for `seconds`. A failed call is counted, not thrown: running out of
 * processes under load is a result (see the README on bwrap's zombies).
 */
async function throughput(driver: string, inFlight: number, one: () => Promise<void>): Promise<Throughput> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        const callStarted = performance.now();
        try {
          await one();
          latencies.push(performance.now() - callStarted);
        } catch (error) {
          errors += 1;
          firstError ??= (error as Error).message.slice(0, 200);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const perSecond = latencies.length / seconds;
  return {
    driver,
    inFlight,
    perSecond,
    stats: statsOf(latencies),
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

/** Runs argv the way the drivers run their launcher; throws unless it exits 0. */
async function launch(argv: readonly string[], extraInputs: Uint8Array[] = []): Promise<void> {
  const [file, ...args] = argv;
  const run = await runProcess(file as string, args, {
    extraInputs,
    timeoutMs: 30_000,
    maxOutputBytes: 65_536,
  });
  if (run.exitCode !== 0)
    throw new Error(
      `${argv.slice(0, 3).join(' ')} …: exit ${run.exitCode} ${run.stderr.trim().slice(0, 300)}`,
    );
}

function check(result: ExecResult): void {
  if (result.outcome !== 'completed' || result.exitCode !== 0)
    throw new Error(
      `exec of true: ${result.outcome} ${result.exitCode} ${result.stderr.trim().slice(0, 300)}`,
    );
}

/** A fresh sandbox root: mkdtemp makes 0700, and bwrap opens it as the sandbox user. */
function freshRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'sbx-bench-'));
  chmodSync(root, 0o711);
  return root;
}

/** Only the system directories, as the bubblewrap driver binds them (merged-/usr links as links). */
const systemPaths = () =>
  hostSystemPaths().filter((entry) => (SYSTEM_DIRECTORIES as readonly string[]).includes(entry.path));

function bareBwrapArgv(): string[] {
  const argv = ['/usr/bin/bwrap', '--unshare-all', '--die-with-parent'];
  for (const entry of systemPaths())
    if (entry.kind === 'symlink') argv.push('--symlink', entry.target, entry.path);
    else argv.push('--ro-bind', entry.path, entry.path);
  return [...argv, ...TRUE];
}

/** A one-shot OCI bundle running `true` as the sandbox user, no network, system dirs read-only. */
function bareRunscBundle(root: string): string {
  const bundle = path.join(root, 'anchor-bundle');
  mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  const mounts = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    ...systemPaths().map((entry) => ({
      destination: entry.path,
      type: 'bind',
      source: entry.kind === 'symlink' ? path.resolve(path.dirname(entry.path), entry.target) : entry.path,
      options: ['rbind', 'ro'],
    })),
  ];
  const namespaces = ['pid', 'network', 'ipc', 'uts', 'mount'].map((type) => ({ type }));
  const process = {
    terminal: false,
    user: { uid: SANDBOX_UID, gid: SANDBOX_UID },
    args: TRUE,
    env: ['PATH=/usr/bin:/bin'],
    cwd: '/',
  };
  const config = { ociVersion: '1.0.2', process, root: { path: 'rootfs', readonly: true }, mounts };
  writeFileSync(path.join(bundle, 'config.json'), JSON.stringify({ ...config, linux: { namespaces } }));
  return bundle;
}

/** What the bubblewrap driver's launcher runs as root to join the cgroup (bubblewrap-driver.ts). */
/** Joins the cgroups the way the driver does: `0` (the shell itself) into each join file. */
const LAUNCH_SCRIPT = 'for file in $1; do echo 0 > "$file" || exit 125; done; shift; exec "$@"';
/** The join before 2026-12-07: the shell's pid into each controller's `cgroup.procs`. */
const LAUNCH_SCRIPT_PROCS =
  'for file in $1; do echo $$ > "${file%/*}/cgroup.procs" || exit 125; done; shift; exec "$@"';

/** The bwrap argv (without argv[0]) the driver really runs in sandbox `id`, read from /proc. */
async function driverBwrapArgv(driver: SandboxDriver, root: string, id: string): Promise<string[]> {
  const running = driver.exec(id, ['/usr/bin/sleep', '1']);
  const workspace = path.join(root, id, 'workspace');
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        let argv: string[];
        try {
          argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        } catch {
          continue;
        }
        if (path.basename(argv[0] ?? '') === 'bwrap' && argv.includes(workspace)) return argv.slice(1, -1);
      }
      await sleep(5);
    }
    throw new Error("the driver's bwrap did not show in /proc");
  } finally {
    check(await running);
  }
}

/**
 * Where a bubblewrap exec's time goes: the driver's own launcher rebuilt one step at a time (the
 * bwrap arguments are the driver's, captured from /proc), rounds rotating the order.
 */
async function bubblewrapLadder(
  driver: SandboxDriver,
  root: string,
  id: string,
  cgroups: CgroupVersion | null,
): Promise<void> {
  const captured = await driverBwrapArgv(driver, root, id);
  const commandAt = captured.lastIndexOf('/usr/bin/sleep');
  const prlimitAt = captured.indexOf('/usr/bin/prlimit');
  const insideAt = prlimitAt >= 0 && prlimitAt < commandAt ? prlimitAt : commandAt;
  const ours = captured.slice(0, insideAt);
  const oursNoSeccomp = ours.filter((part, i) => part !== '--seccomp' && ours[i - 1] !== '--seccomp');
  const inside = captured.slice(insideAt, commandAt);
  const seccomp = [seccompProgram()];
  const bwrap = '/usr/bin/bwrap';
  const setpriv = IS_ROOT
    ? ['/usr/bin/setpriv', `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, '--clear-groups', '--']
    : [];
  const joins = cgroups ? new SandboxCgroup(cgroups, `bwrap-${id}`).joinFiles() : [];
  const sh = (files: string[], script = LAUNCH_SCRIPT) => [
    '/bin/sh',
    '-c',
    script,
    'sandbox-launch',
    files.join(' '),
  ];
  const full = [...setpriv, bwrap, ...ours, ...inside, ...TRUE];
  type Step = { step: string; base?: string; run: () => Promise<void> };
  const steps: Step[] = [
    { step: 'host spawn of true', run: () => launch(TRUE) },
    { step: 'bare bwrap, as root', base: 'host spawn of true', run: () => launch(bareBwrapArgv()) },
  ];
  let previous = 'bare bwrap, as root';
  const add = (step: string, run: () => Promise<void>) => {
    steps.push({ step, base: previous, run });
    previous = step;
  };
  if (IS_ROOT)
    add('setpriv → bare bwrap (drop to uid 65534)', () => launch([...setpriv, ...bareBwrapArgv()]));
  add('+ our mounts, user, env (no seccomp)', () => launch([...setpriv, bwrap, ...oursNoSeccomp, ...TRUE]));
  add('+ seccomp filter on fd 3', () => launch([...setpriv, bwrap, ...ours, ...TRUE], seccomp));
  add('+ prlimit inside', () => launch(full, seccomp));
  if (joins.length > 0) {
    add('+ /bin/sh launcher, no cgroup join', () => launch([...sh([]), ...full], seccomp));
    steps.push({
      step: '(before) + cgroup join by pid into cgroup.procs',
      base: previous,
      run: () => launch([...sh(joins, LAUNCH_SCRIPT_PROCS), ...full], seccomp),
    });
    add('+ cgroup join (the driver does it from Perl)', () => launch([...sh(joins), ...full], seccomp));
    steps.push({
      step: 'host: /bin/sh cgroup join → true',
      base: 'host spawn of true',
      run: () => launch([...sh(joins), ...TRUE]),
    });
  }
  add('driver.exec (+ OOM counter reads)', async () => check(await driver.exec(id, TRUE)));

  for (const { run } of steps) for (let i = 0; i < 3; i++) await run();
  const samples = new Map<string, number[]>(steps.map(({ step }) => [step, []]));
  for (let round = 0; round < LADDER_ROUNDS; round++)
    for (let i = 0; i < steps.length; i++) {
      const { step, run } = steps[(i + round) % steps.length] as Step;
      await sleep(IDLE_MS);
      samples.get(step)?.push(await timed(run));
    }
  for (const { step, base } of steps) {
    const stats = statsOf(samples.get(step) ?? []);
    const added = base === undefined ? undefined : stats.p50 - statsOf(samples.get(base) ?? []).p50;
    ladder.push({ step, stats, ...(added === undefined ? {} : { base, added }) });
  }
}

/** Cold, warm-pool and exec rows of one driver; gVisor also its runsc anchors, bubblewrap its ladder. */
async function benchDriver(name: LocalDriver, cgroups: CgroupVersion | null, root: string): Promise<void> {
  const driver: SandboxDriver =
    name === 'gvisor'
      ? new GvisorSandboxDriver({ root, cgroups })
      : new BubblewrapSandboxDriver({ root, cgroups });
  const bare = name === 'gvisor' ? 'bare runsc run' : 'bare bwrap';
  const live = new Set<string>();
  const pending: Promise<unknown>[] = [];
  let counter = 0;
  const newSandbox = async () => {
    const id = `bench-${counter++}`;
    live.add(id);
    await driver.create({ id, limits, egress: [] });
    return id;
  };
  // gVisor's destroy waits until the killed sandbox is reaped (runsc polls every 100 ms; where
  // the host's init is slow to reap orphans, seconds): it is not timed, so it goes on behind the
  // next samples, which start once its CPU-heavy part (runsc start, the kill) is over.
  const dispose = async (destroy: () => Promise<void>) => {
    if (name !== 'gvisor') return destroy();
    pending.push(destroy().catch(() => undefined));
    await sleep(150);
  };
  let pool: SandboxManager | undefined;
  try {
    const warmUp = await newSandbox();
    check(await driver.exec(warmUp, TRUE));
    await dispose(() => driver.destroy(warmUp));

    const cold = { total: [] as number[], create: [] as number[], exec: [] as number[] };
    for (let i = 0; i < SAMPLES[name].cold; i++) {
      await sleep(IDLE_MS);
      const started = performance.now();
      const id = await newSandbox();
      const created = performance.now();
      check(await driver.exec(id, TRUE));
      const done = performance.now();
      cold.total.push(done - started);
      cold.create.push(created - started);
      cold.exec.push(done - created);
      await dispose(() => driver.destroy(id));
    }
    rows.push({ driver: name, what: 'cold: create → first true', stats: statsOf(cold.total), bare });
    rows.push({ driver: name, what: '  of which create', stats: statsOf(cold.create) });
    rows.push({ driver: name, what: '  of which first exec', stats: statsOf(cold.exec) });

    pool = new SandboxManager({
      driver: Promise.resolve({ driver, reason: 'bench' }),
      defaults: limits,
      poolSize: POOL_SIZE,
      idleTtlMs: 3_600_000,
      maxLifetimeMs: 3_600_000,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      egressPolicy: async () => [],
    });
    const warm = { acquire: [] as number[], start: [] as number[] };
    let misses = 0;
    for (let i = 0; i < SAMPLES[name].warm; i++) {
      while ((await pool.driver()).pool < POOL_SIZE) await sleep(2);
      await sleep(IDLE_MS);
      const started = performance.now();
      const info = await pool.create({ tenantId: 'bench', owner: 'bench' });
      const acquired = performance.now();
      check(await pool.exec('bench', info.id, TRUE));
      const done = performance.now();
      if (!info.pooled) misses += 1;
      warm.acquire.push(acquired - started);
      warm.start.push(done - started);
      const taken = pool;
      await dispose(() => taken.destroy('bench', info.id));
    }
    if (misses > 0) throw new Error(`${misses} warm-pool samples were not served from the pool`);
    rows.push({ driver: name, what: `warm pool (${POOL_SIZE}): acquire`, stats: statsOf(warm.acquire) });
    // A pooled gVisor sandbox is already booted: its start is an exec, read against bare `runsc exec`.
    const warmBare = name === 'gvisor' ? 'bare runsc exec' : bare;
    rows.push({
      driver: name,
      what: 'warm pool: acquire → first true',
      stats: statsOf(warm.start),
      bare: warmBare,
    });

    const id = await newSandbox();
    for (let i = 0; i < 5; i++) check(await driver.exec(id, TRUE));
    const exec = async () => check(await driver.exec(id, TRUE));
    const apart = await sampled(SAMPLES[name].apart, () => timed(exec));
    const execBare = name === 'gvisor' ? 'bare runsc exec' : 'bare bwrap';
    rows.push({
      driver: name,
      what: 'exec of true (sandbox running)',
      stats: statsOf(apart),
      bare: execBare,
    });
    for (const inFlight of [1, 4]) throughputs.push(await throughput(name, inFlight, exec));
    if (name === 'bubblewrap') {
      // Each bwrap exec leaves a zombie that only the host's init reaps; it holds a slot of the
      // sandbox's pids cgroup until then. With room for them, the rate bwrap itself allows:
      const roomy = `bench-${counter++}`;
      live.add(roomy);
      await driver.create({ id: roomy, limits: { ...limits, maxProcesses: 4096 }, egress: [] });
      const execRoomy = async () => check(await driver.exec(roomy, TRUE));
      throughputs.push(await throughput(`${name}, maxProcesses 4096`, 4, execRoomy));
    }

    if (name === 'gvisor') {
      // The driver keeps runsc's state in `<root>/.runsc` (gvisor-driver.ts).
      const runsc = ['/usr/bin/runsc', '--root', path.join(root, '.runsc'), '--network=none'];
      const version = await sampled(SAMPLES.gvisor.apart, () => timed(() => launch([...runsc, '--version'])));
      rows.push({ driver: name, what: 'runsc --version (Go binary start only)', stats: statsOf(version) });
      const bareExec = await sampled(SAMPLES.gvisor.apart, () =>
        timed(() => launch([...runsc, 'exec', id, ...TRUE])),
      );
      anchors.set('bare runsc exec', statsOf(bareExec));
    } else await bubblewrapLadder(driver, root, id, cgroups);
  } finally {
    await pool?.close();
    await Promise.all(pending);
    for (const id of live) await driver.destroy(id).catch(() => undefined);
  }
}

const available = (name: LocalDriver): string | null => {
  if (name === 'bubblewrap') return existsSync('/usr/bin/bwrap') ? null : 'bwrap is not installed';
  if (!existsSync('/usr/bin/runsc')) return 'runsc is not installed';
  return IS_ROOT ? null : 'runsc needs root (rootless gVisor is not supported)';
};
const requested = arg('drivers')?.split(',') ?? [...LOCAL_DRIVERS];
const drivers = LOCAL_DRIVERS.filter((name) => requested.includes(name) && available(name) === null);
for (const name of LOCAL_DRIVERS.filter((name) => requested.includes(name) && available(name) !== null))
  console.log(`${name}: skipped, ${available(name)}`);

const loadAtStart = loadavg()[0] ?? Number.NaN;
const cgroups = await detectCgroups();
const roots: string[] = [];
const hostSpawn = async () => timed(() => launch(TRUE));
try {
  anchors.set('host spawn', statsOf(await sampled(100, hostSpawn)));
  for (const inFlight of [1, 4])
    throughputs.push(await throughput('host spawn (anchor)', inFlight, () => launch(TRUE)));
  if (drivers.includes('bubblewrap'))
    anchors.set('bare bwrap', statsOf(await sampled(100, () => timed(() => launch(bareBwrapArgv())))));
  if (drivers.includes('gvisor')) {
    const root = freshRoot();
    roots.push(root);
    const bundle = bareRunscBundle(root);
    const runsc = ['/usr/bin/runsc', '--root', path.join(root, '.runsc-anchor'), '--network=none'];
    let run = 0;
    const once = () => timed(() => launch([...runsc, 'run', '--bundle', bundle, `anchor-${run++}`]));
    await once();
    anchors.set('bare runsc run', statsOf(await sampled(SAMPLES.gvisor.apart, once)));
  }
  for (const name of drivers) {
    const root = freshRoot();
    roots.push(root);
    await benchDriver(name, cgroups, root);
  }
} finally {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);
const times = (value: number, anchor: Stats | undefined) =>
  anchor === undefined ? '–' : `${fixed(value / anchor.p50, 1)}x`;
const host = anchors.get('host spawn');
console.log(
  `\nSandbox start and exec latency (ms), one at a time, each sample after ${IDLE_MS} ms idle; ` +
    `${cpus().length} cores, Linux ${release()}, cgroups ${cgroups ?? 'none'}, Node ${process.version}, ` +
    `load average ${fixed(loadAtStart)} at start, ${fixed(loadavg()[0] ?? Number.NaN)} at end\n`,
);
console.log('| driver | what | n | p50 | p95 | p99 | p50 ÷ host spawn | p50 ÷ bare runtime |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
const line = (driver: string, what: string, s: Stats, bare?: string) =>
  console.log(
    `| ${driver} | ${what} | ${s.n} | ${fixed(s.p50)} | ${fixed(s.p95)} | ${fixed(s.p99)} | ${times(s.p50, host)} | ${bare ? `${times(s.p50, anchors.get(bare))} (${bare})` : '–'} |`,
  );
for (const [what, stats] of anchors) line('anchor', what, stats);
for (const row of rows) line(row.driver, row.what, row.stats, row.bare);

console.log(`\nExec of true on one sandbox, back to back, ${SECONDS} s per row\n`);
console.log('| driver | in flight | execs/s | p50 ms | p99 ms | failed | execs/s ÷ host spawn |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of throughputs) {
  const anchor = throughputs.find((t) => t.driver.startsWith('host spawn') && t.inFlight === row.inFlight);
  const ratio = anchor ? `${fixed(row.perSecond / anchor.perSecond)}x` : '–';
  console.log(
    `| ${row.driver} | ${row.inFlight} | ${fixed(row.perSecond, 0)} | ${fixed(row.stats.p50)} | ${fixed(row.stats.p99)} | ${row.errors} | ${ratio} |`,
  );
}
for (const row of throughputs.filter((t) => t.firstError))
  console.log(`${row.driver}, ${row.inFlight} in flight, first failure: ${row.firstError}`);

if (ladder.length > 0) {
  console.log(
    `\nbubblewrap exec of true built up one step at a time, ${LADDER_ROUNDS} rounds in rotating order, each after ${IDLE_MS} ms idle\n`,
  );
  console.log('| step | p50 ms | p95 ms | added p50 ms | over |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const row of ladder)
    console.log(
      `| ${row.step} | ${fixed(row.stats.p50)} | ${fixed(row.stats.p95)} | ${row.added === undefined ? '–' : fixed(row.added)} | ${row.base ?? '–'} |`,
    );
}

const TARGETS: Record<LocalDriver, number> = { bubblewrap: 10, gvisor: 300 };
const targets: Array<{ target: string; measured: number; met: boolean }> = [];
const find = (driver: string, what: string) =>
  rows.find((row) => row.driver === driver && row.what.startsWith(what));
for (const name of drivers) {
  const cold = find(name, 'cold: create')?.stats;
  const acquire = find(name, 'warm pool (')?.stats;
  const start = find(name, 'warm pool: acquire →')?.stats;
  if (cold) {
    targets.push({
      target: `${name} cold p95 ≤ ${TARGETS[name]} ms`,
      measured: cold.p95,
      met: cold.p95 <= TARGETS[name],
    });
    targets.push({ target: `${name} cold p99 < 5 s (seed)`, measured: cold.p99, met: cold.p99 < 5000 });
  }
  if (acquire)
    targets.push({
      target: `${name} warm-pool acquire p99 ≤ 20 ms`,
      measured: acquire.p99,
      met: acquire.p99 <= 20,
    });
  if (start)
    targets.push({
      target: `${name} warm-pool acquire → first true p99 ≤ 20 ms (for reference)`,
      measured: start.p99,
      met: start.p99 <= 20,
    });
}
console.log('\n| target | measured ms | met |');
console.log('| --- | ---: | --- |');
for (const t of targets) console.log(`| ${t.target} | ${fixed(t.measured)} | ${t.met ? 'met' : 'not met'} |`);

const round = (s: Stats) => ({ n: s.n, p50: +fixed(s.p50), p95: +fixed(s.p95), p99: +fixed(s.p99) });
console.log(
  JSON.stringify({
    bench: 'sandbox',
    machine: {
      cores: cpus().length,
      kernel: release(),
      node: process.version,
      cgroups,
      load: [loadAtStart, loadavg()[0]],
    },
    idleMs: IDLE_MS,
    anchors: Object.fromEntries([...anchors].map(([what, s]) => [what, round(s)])),
    rows: rows.map((row) => ({ driver: row.driver, what: row.what.trim(), ...round(row.stats) })),
    throughput: throughputs.map((t) => ({ ...t, perSecond: Math.round(t.perSecond), stats: round(t.stats) })),
    ladder: ladder.map((row) => ({
      ...row,
      stats: round(row.stats),
      ...(row.added === undefined ? {} : { added: +fixed(row.added) }),
    })),
    targets: targets.map((t) => ({ ...t, measured: +fixed(t.measured) })),
  }),
);
