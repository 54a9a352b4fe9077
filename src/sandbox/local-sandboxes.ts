import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError, invalid } from '../core/index.ts';
import { type CgroupVersion, SandboxCgroup } from './cgroups.ts';
import type { ExecOptions, ExecResult, SandboxSpec, SandboxStats } from './driver.ts';
import {
  EGRESS_FORWARDER_PATH,
  SANDBOX_EGRESS_FORWARDER,
  SANDBOX_EGRESS_SOCKET,
} from './egress-forwarder.ts';
import { type EgressAttempt, EgressProxy } from './egress-proxy.ts';
import {
  checkEnvName,
  prlimitPrefix,
  SANDBOX_ENV,
  SANDBOX_GROUP,
  SANDBOX_PASSWD,
  SANDBOX_SECCOMP_FILE,
  seccompLauncherPrefix,
} from './host-root.ts';
import { placeLauncher, SANDBOX_NATIVE_LAUNCHER } from './native-launcher.ts';
import type { ProcessRun } from './run-process.ts';
import { seccompProgram } from './seccomp.ts';
import { SandboxDirectories } from './workspace.ts';

export interface LocalSandbox {
  spec: SandboxSpec;
  directories: SandboxDirectories;
  /** The sandbox's cgroups, when the host lets us make them (else limits are rlimits only). */
  cgroup: SandboxCgroup | undefined;
  proxy: EgressProxy | undefined;
  restarts: number;
}

export interface LocalSandboxesOptions {
  /** Where sandboxes' directories live: a folder of the platform's own, never shared. */
  root: string;
  cgroups: CgroupVersion | null;
  /** Prefix of each sandbox's cgroup name (`bwrap-`, `gvisor-`), so drivers never collide. */
  cgroupPrefix: string;
  /** Whether this set creates the cgroup itself (bwrap) or only reads one a runtime made (runsc). */
  ownsCgroup: boolean;
  /**
   * What runs before each command inside: `prlimit` (bubblewrap, which applies seccomp itself and
   * bounds processes with the pids cgroup), or the seccomp launcher (gVisor: runsc applies no
   * seccomp to exec'd processes, and this build enforces RLIMIT_CPU only when set inside; it sets
   * RLIMIT_NPROC too, right where the sandbox has a kernel and uid space of its own).
   */
  inside: 'prlimit' | 'seccomp-launcher';
  /**
   * With `seccomp-launcher`: the static launcher on the host, placed in each sandbox's run folder
   * (see native-launcher.ts); null or absent: the Perl launcher.
   */
  launcher?: string | null | undefined;
  onEgress?: ((sandboxId: string, attempt: EgressAttempt) => void) | undefined;
}

/**
 * The host side that the bubblewrap and gVisor drivers share: each sandbox's directories, its
 * cgroup, its egress proxy, safe file access, and turning a finished launcher into an ExecResult.
 * It holds live process resources, not data: a sandbox lives as long as the process that made it.
 */
export class LocalSandboxes {
  readonly #options: LocalSandboxesOptions;
  readonly #sandboxes = new Map<string, LocalSandbox>();

  constructor(options: LocalSandboxesOptions) {
    this.#options = options;
  }

  get root(): string {
    return this.#options.root;
  }

  async create(spec: SandboxSpec): Promise<LocalSandbox> {
    if (this.#sandboxes.has(spec.id)) throw new AppError('ALREADY_EXISTS', `sandbox "${spec.id}" exists`);
    const directories = new SandboxDirectories(this.#options.root, spec.id);
    const cgroup = this.#options.cgroups
      ? new SandboxCgroup(this.#options.cgroups, `${this.#options.cgroupPrefix}${spec.id}`)
      : undefined;
    const sandbox: LocalSandbox = { spec, directories, cgroup, proxy: undefined, restarts: 0 };
    this.#sandboxes.set(spec.id, sandbox);
    try {
      await directories.makeFolders();
      // The mount is a spawned process: the run folder and the cgroups are made meanwhile. Every
      // step settles before a failure is thrown, so the cleanup never races a mount in flight.
      const steps = await Promise.allSettled([
        directories.mountWorkspace(spec.limits.workspaceBytes),
        this.#fillRunFolder(directories.run),
        cgroup && this.#options.ownsCgroup ? cgroup.create(spec.limits) : undefined,
      ]);
      const failed = steps.find((step) => step.status === 'rejected');
      if (failed) throw failed.reason;
      if (spec.egress.length > 0) {
        await fs.copyFile(
          EGRESS_FORWARDER_PATH,
          path.join(directories.run, path.basename(SANDBOX_EGRESS_FORWARDER)),
        );
        const onEgress = this.#options.onEgress;
        sandbox.proxy = new EgressProxy({
          allow: spec.egress,
          socketPath: path.join(directories.run, path.basename(SANDBOX_EGRESS_SOCKET)),
          onAttempt: (attempt) => onEgress?.(spec.id, attempt),
        });
        await sandbox.proxy.listen();
      }
      return sandbox;
    } catch (error) {
      await this.destroy(spec.id);
      throw new AppError('UNAVAILABLE', `sandbox could not be set up: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** passwd and group naming only the sandbox user, and gVisor's seccomp program and launcher. */
  async #fillRunFolder(run: string): Promise<void> {
    await fs.writeFile(path.join(run, 'passwd'), SANDBOX_PASSWD, { mode: 0o644 });
    await fs.writeFile(path.join(run, 'group'), SANDBOX_GROUP, { mode: 0o644 });
    if (this.#options.inside !== 'seccomp-launcher') return;
    await fs.writeFile(path.join(run, path.basename(SANDBOX_SECCOMP_FILE)), seccompProgram(), {
      mode: 0o644,
    });
    if (this.#options.launcher) await placeLauncher(this.#options.launcher, run);
  }

  /** Throws NOT_FOUND for an id this process does not hold. */
  get(id: string): LocalSandbox {
    const sandbox = this.#sandboxes.get(id);
    if (!sandbox) throw new AppError('NOT_FOUND', `sandbox "${id}" not found`);
    return sandbox;
  }

  ids(): string[] {
    return [...this.#sandboxes.keys()];
  }

  async destroy(id: string): Promise<void> {
    const sandbox = this.#sandboxes.get(id);
    this.#sandboxes.delete(id);
    const directories = sandbox?.directories ?? new SandboxDirectories(this.#options.root, id);
    await sandbox?.proxy?.close().catch(() => undefined);
    if (this.#options.ownsCgroup) await sandbox?.cgroup?.destroy();
    await directories.remove();
  }

  /**
   * The argv run inside: the per-exec limits (prlimit, or gVisor's seccomp launcher), then the
   * egress forwarder when the sandbox may reach anything, then the command. Throws
   * INVALID_REQUEST for a bad command or env before anything starts.
   */
  commandLine(sandbox: LocalSandbox, command: readonly string[]): string[] {
    if (command.length === 0 || command.some((part) => typeof part !== 'string' || part.includes('\0')))
      throw invalid('command must be a non-empty list of strings without NUL');
    const forwarder =
      sandbox.proxy === undefined
        ? []
        : ['/usr/bin/python3', SANDBOX_EGRESS_FORWARDER, SANDBOX_EGRESS_SOCKET, '--'];
    const limits =
      this.#options.inside === 'prlimit'
        ? prlimitPrefix(sandbox.spec.limits, false)
        : seccompLauncherPrefix(
            sandbox.spec.limits,
            this.#options.launcher ? SANDBOX_NATIVE_LAUNCHER : undefined,
          );
    // Limits (and, in gVisor, the seccomp filter) first, so the forwarder is under them too.
    return [...limits, ...forwarder, ...command];
  }

  /** The exec's environment: the fixed base, then the caller's, checked. */
  environment(options: ExecOptions): Record<string, string> {
    const env = { ...SANDBOX_ENV };
    for (const [name, value] of Object.entries(options.env ?? {})) {
      const problem = checkEnvName(name);
      if (problem) throw invalid(`env: ${problem}`);
      if (typeof value !== 'string' || value.includes('\0'))
        throw invalid(`env: "${name}" must be a string without NUL`);
      env[name] = value;
    }
    return env;
  }

  timeout(sandbox: LocalSandbox, options: ExecOptions): number {
    return Math.min(options.timeoutMs ?? sandbox.spec.limits.timeoutMs, sandbox.spec.limits.timeoutMs);
  }

  /** The limit that ended a run, from what we stopped it for, the OOM counter and the signal. */
  async result(sandbox: LocalSandbox, run: ProcessRun, oomBefore: number): Promise<ExecResult> {
    const oomAfter = (await sandbox.cgroup?.oomKills()) ?? 0;
    const base = {
      exitCode: run.exitCode,
      stdout: run.stdout,
      stderr: run.stderr,
      truncated: run.truncated,
      durationMs: run.durationMs,
    };
    if (run.stoppedFor) return { ...base, outcome: run.stoppedFor };
    if (oomAfter > oomBefore) return { ...base, outcome: 'oom' };
    // RLIMIT_CPU sends SIGXCPU; through a launcher it shows as 128 + 24.
    if (run.signal === 'SIGXCPU' || run.exitCode === 152) return { ...base, outcome: 'cpu_limit' };
    if (run.exitCode !== 0 && (await sandbox.directories.full().catch(() => false)))
      return { ...base, outcome: 'workspace_full' };
    if (run.signal === 'SIGKILL' || run.exitCode === 137) return { ...base, outcome: 'killed' };
    return { ...base, outcome: 'completed' };
  }

  async stats(id: string): Promise<SandboxStats> {
    const sandbox = this.get(id);
    const memory = (await sandbox.cgroup?.memory()) ?? {};
    return {
      workspaceBytes: await sandbox.directories.usage(),
      ...(memory.current === undefined ? {} : { memoryBytes: memory.current }),
      ...(memory.peak === undefined ? {} : { memoryPeakBytes: memory.peak }),
      ...(memory.processes === undefined ? {} : { processes: memory.processes }),
      restarts: sandbox.restarts,
    };
  }

  async writeFile(id: string, relative: string, content: Uint8Array | string): Promise<void> {
    await this.get(id).directories.writeFile(relative, content);
  }

  async readFile(id: string, relative: string, maxBytes?: number): Promise<Uint8Array> {
    const sandbox = this.get(id);
    return sandbox.directories.readFile(relative, maxBytes ?? sandbox.spec.limits.maxOutputBytes);
  }
}
