import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/index.ts';
import type { CgroupVersion } from './cgroups.ts';
import type { ExecOptions, ExecResult, SandboxDriver, SandboxSpec, SandboxStats } from './driver.ts';
import type { EgressAttempt } from './egress-proxy.ts';
import { hostSystemPaths } from './host-root.ts';
import { type LocalSandbox, LocalSandboxes } from './local-sandboxes.ts';
import { builtLauncher } from './native-launcher.ts';
import { runProcess } from './run-process.ts';
import { SANDBOX_UID } from './workspace.ts';

export interface GvisorOptions {
  root: string;
  cgroups: CgroupVersion | null;
  runsc?: string;
  /** The static in-sandbox launcher on the host; default: the one built at install, else Perl's. */
  launcher?: string | null;
  onEgress?: (sandboxId: string, attempt: EgressAttempt) => void;
}

const START_TIMEOUT_MS = 30_000;
/** What `runsc exec` says when the container is no longer running: the command did not start. */
const CONTAINER_STOPPED = /cannot execute in container .* in state stopped/;

/**
 * gVisor: one long-lived container per sandbox (`runsc run --detach`) whose kernel is gVisor's,
 * not the host's; each exec is `runsc exec` into it. The OCI bundle's root is an empty read-only
 * folder with only the system directories bound in read-only, the workspace bound read-write, no
 * network (`--network=none`), the unprivileged sandbox user, no capabilities. Memory and pids are
 * the container's cgroup (set by runsc from the bundle). A limit that kills the exec (timeout,
 * OOM, output cap) kills the container; the next exec starts a new one on the same workspace.
 */
export class GvisorSandboxDriver implements SandboxDriver {
  readonly name = 'gvisor' as const;
  /** What starts each command inside: the static launcher built at install, or Perl's fallback. */
  readonly launcher: 'static' | 'perl';
  readonly #sandboxes: LocalSandboxes;
  readonly #runsc: string;
  readonly #state: string;
  readonly #stale = new Set<string>();

  constructor(options: GvisorOptions) {
    this.#runsc = options.runsc ?? '/usr/bin/runsc';
    this.#state = path.join(options.root, '.runsc');
    const launcher = options.launcher === undefined ? builtLauncher() : options.launcher;
    this.launcher = launcher ? 'static' : 'perl';
    this.#sandboxes = new LocalSandboxes({
      root: options.root,
      cgroups: options.cgroups,
      cgroupPrefix: 'gvisor-',
      ownsCgroup: false,
      inside: 'seccomp-launcher',
      launcher,
      onEgress: options.onEgress,
    });
  }

  async create(spec: SandboxSpec): Promise<void> {
    const sandbox = await this.#sandboxes.create(spec);
    try {
      await fs.mkdir(path.join(sandbox.directories.bundle, 'rootfs'), { recursive: true, mode: 0o755 });
      await fs.writeFile(
        path.join(sandbox.directories.bundle, 'config.json'),
        JSON.stringify(ociConfig(sandbox), null, 1),
      );
      await this.#start(sandbox);
    } catch (error) {
      await this.destroy(spec.id);
      throw error instanceof AppError
        ? error
        : new AppError('UNAVAILABLE', `gVisor sandbox could not start: ${(error as Error).message}`);
    }
  }

  exec(id: string, command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.#exec(id, command, options, true);
  }

  async #exec(
    id: string,
    command: readonly string[],
    options: ExecOptions,
    retryIfStopped: boolean,
  ): Promise<ExecResult> {
    const sandbox = this.#sandboxes.get(id);
    const inside = this.#sandboxes.commandLine(sandbox, command);
    const env = this.#sandboxes.environment(options);
    if (this.#stale.has(id)) await this.#restart(sandbox);
    const oomBefore = (await sandbox.cgroup?.oomKills()) ?? 0;
    const args = [
      ...this.#global(),
      'exec',
      '--user',
      `${SANDBOX_UID}:${SANDBOX_UID}`,
      '--cwd',
      '/workspace',
    ];
    for (const [name, value] of Object.entries(env)) args.push('--env', `${name}=${value}`);
    const run = await runProcess(this.#runsc, [...args, id, ...inside], {
      stdin: options.stdin,
      timeoutMs: this.#sandboxes.timeout(sandbox, options),
      maxOutputBytes: sandbox.spec.limits.maxOutputBytes,
      signal: options.signal,
      // Killing `runsc exec` leaves the command running in the sandbox: kill all of it.
      onKill: () => this.#kill(id),
    });
    if (retryIfStopped && run.exitCode === 128 && CONTAINER_STOPPED.test(run.stderr)) {
      // The container died since the last exec (its init killed from inside, or the sentry crashed
      // at the host pids cap under a fork bomb): this command never started, so restart the
      // container and run it once more rather than report the next, innocent exec as `killed`.
      this.#stale.add(id);
      return this.#exec(id, command, options, false);
    }
    const result = await this.#sandboxes.result(sandbox, run, oomBefore);
    if (result.outcome !== 'completed') this.#stale.add(id);
    else if (run.exitCode === 128 && /sandbox|container/i.test(run.stderr)) {
      // The sandbox died under the command (gVisor reports the lost process as exit 128).
      this.#stale.add(id);
      return { ...result, outcome: 'killed' };
    }
    return result;
  }

  writeFile(id: string, relative: string, content: Uint8Array | string): Promise<void> {
    return this.#sandboxes.writeFile(id, relative, content);
  }

  readFile(id: string, relative: string, maxBytes?: number): Promise<Uint8Array> {
    return this.#sandboxes.readFile(id, relative, maxBytes);
  }

  stats(id: string): Promise<SandboxStats> {
    return this.#sandboxes.stats(id);
  }

  async destroy(id: string): Promise<void> {
    this.#stale.delete(id);
    await this.#runscQuiet(['delete', '--force', id]);
    await this.#sandboxes.destroy(id);
  }

  #global(): string[] {
    // host-uds=open lets code connect to the egress proxy's socket bound in, and nothing else:
    // no other host socket is visible inside.
    return ['--root', this.#state, '--network=none', '--host-uds=open'];
  }

  /**
   * The detached sandbox keeps the starter's stdout and stderr open for its whole life, so they go
   * to a log file in the bundle rather than to pipes we would wait on.
   */
  async #start(sandbox: LocalSandbox): Promise<void> {
    await fs.mkdir(this.#state, { recursive: true, mode: 0o700 });
    const logPath = path.join(sandbox.directories.bundle, 'runsc.log');
    const log = await fs.open(logPath, 'w', 0o600);
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          this.#runsc,
          [...this.#global(), 'run', '--detach', '--bundle', sandbox.directories.bundle, sandbox.spec.id],
          { stdio: ['ignore', log.fd, log.fd], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
        );
        const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
        child.once('error', reject);
        child.once('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      if (code !== 0) {
        const output = (await fs.readFile(logPath, 'utf8')).trim().split('\n').slice(-3).join(' ');
        throw new AppError('UNAVAILABLE', `runsc could not start the sandbox: ${output || `exit ${code}`}`);
      }
    } finally {
      await log.close();
    }
  }

  async #restart(sandbox: LocalSandbox): Promise<void> {
    await this.#runscQuiet(['delete', '--force', sandbox.spec.id]);
    await this.#start(sandbox);
    sandbox.restarts += 1;
    this.#stale.delete(sandbox.spec.id);
  }

  async #kill(id: string): Promise<void> {
    await this.#runscQuiet(['kill', '--all', id, 'KILL']);
  }

  async #runscQuiet(args: string[]): Promise<void> {
    await runProcess(this.#runsc, [...this.#global(), ...args], {
      timeoutMs: 10_000,
      maxOutputBytes: 64 * 1024,
    });
  }
}

/** The container: gVisor's kernel over an empty read-only root with the allowlisted binds. */
function ociConfig(sandbox: LocalSandbox): Record<string, unknown> {
  const { limits } = sandbox.spec;
  const mounts: Record<string, unknown>[] = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/tmp',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'mode=1777', 'size=65536k'],
    },
  ];
  for (const entry of hostSystemPaths()) {
    // Merged-/usr links (/bin -> usr/bin) resolve inside through the bound /usr.
    const source =
      entry.kind === 'symlink' ? path.resolve(path.dirname(entry.path), entry.target) : entry.path;
    mounts.push({
      destination: entry.path,
      type: 'bind',
      source,
      options: ['rbind', 'ro', 'nosuid', 'nodev'],
    });
  }
  const bind = (source: string, destination: string, mode: 'ro' | 'rw') =>
    mounts.push({ destination, type: 'bind', source, options: ['rbind', mode, 'nosuid', 'nodev'] });
  bind(path.join(sandbox.directories.run, 'passwd'), '/etc/passwd', 'ro');
  bind(path.join(sandbox.directories.run, 'group'), '/etc/group', 'ro');
  bind(sandbox.directories.run, '/run/agenticai', 'ro');
  bind(sandbox.directories.workspace, '/workspace', 'rw');
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: SANDBOX_UID, gid: SANDBOX_UID },
      args: ['/usr/bin/sleep', 'infinity'],
      env: ['PATH=/usr/bin:/bin'],
      cwd: '/workspace',
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      noNewPrivileges: true,
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'sandbox',
    mounts,
    linux: {
      cgroupsPath: `/agenticai/gvisor-${sandbox.spec.id}`,
      resources: {
        memory: { limit: limits.memoryBytes },
        // The host sees gVisor's own threads here (one per sandboxed thread on ptrace, plus the
        // kernel's), not the sandbox's processes: those are capped inside by RLIMIT_NPROC.
        pids: { limit: limits.maxProcesses * 2 + 256 },
        cpu: { quota: 100_000, period: 100_000 },
      },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
    },
  };
}
