import path from 'node:path';
import type { CgroupVersion } from './cgroups.ts';
import type { ExecOptions, ExecResult, SandboxDriver, SandboxSpec, SandboxStats } from './driver.ts';
import type { EgressAttempt } from './egress-proxy.ts';
import { hostSystemPaths } from './host-root.ts';
import { type LocalSandbox, LocalSandboxes } from './local-sandboxes.ts';
import { runProcess } from './run-process.ts';
import { seccompProgram } from './seccomp.ts';
import { SANDBOX_UID } from './workspace.ts';

export interface BubblewrapOptions {
  root: string;
  cgroups: CgroupVersion | null;
  bwrap?: string;
  onEgress?: (sandboxId: string, attempt: EgressAttempt) => void;
}

const IS_ROOT = process.getuid?.() === 0;

/**
 * Bubblewrap: each exec is a fresh `bwrap` with every namespace unshared (no network: only a
 * loopback of its own), a read-only view of the system directories, new /proc and /dev, all
 * capabilities dropped, user namespaces disabled inside, and a seccomp filter. The workspace is
 * the one thing that persists between execs. As root, bwrap itself runs as the unprivileged
 * sandbox user, inside the sandbox's cgroup, so the kernel caps memory and processes.
 */
export class BubblewrapSandboxDriver implements SandboxDriver {
  readonly name = 'bubblewrap' as const;
  readonly #sandboxes: LocalSandboxes;
  readonly #bwrap: string;
  readonly #seccomp = seccompProgram();
  readonly #system = hostSystemPaths();

  constructor(options: BubblewrapOptions) {
    this.#bwrap = options.bwrap ?? '/usr/bin/bwrap';
    this.#sandboxes = new LocalSandboxes({
      root: options.root,
      cgroups: options.cgroups,
      cgroupPrefix: 'bwrap-',
      ownsCgroup: true,
      processRlimit: false,
      onEgress: options.onEgress,
    });
  }

  async create(spec: SandboxSpec): Promise<void> {
    await this.#sandboxes.create(spec);
  }

  async exec(id: string, command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const sandbox = this.#sandboxes.get(id);
    const inside = this.#sandboxes.commandLine(sandbox, command);
    const env = this.#sandboxes.environment(options);
    const oomBefore = (await sandbox.cgroup?.oomKills()) ?? 0;
    const [file, ...args] = this.#launcher(sandbox, [...this.#bwrapArgs(sandbox, env), ...inside]);
    const run = await runProcess(file as string, args, {
      stdin: options.stdin,
      extraInputs: [this.#seccomp],
      timeoutMs: this.#sandboxes.timeout(sandbox, options),
      maxOutputBytes: sandbox.spec.limits.maxOutputBytes,
      signal: options.signal,
    });
    return this.#sandboxes.result(sandbox, run, oomBefore);
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

  destroy(id: string): Promise<void> {
    return this.#sandboxes.destroy(id);
  }

  /**
   * As root: a fixed /bin/sh line joins the cgroup, then setpriv drops to the sandbox user
   * before bwrap starts, so nothing of the sandbox ever holds host root. The command's argv is
   * passed as positional parameters, never parsed by the shell.
   */
  #launcher(sandbox: LocalSandbox, bwrapArgs: string[]): string[] {
    const drop = IS_ROOT
      ? ['/usr/bin/setpriv', `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, '--clear-groups', '--']
      : [];
    const procs = sandbox.cgroup?.procsFiles() ?? [];
    if (procs.length === 0) return [...drop, this.#bwrap, ...bwrapArgs];
    return [
      '/bin/sh',
      '-c',
      'for file in $1; do echo $$ > "$file" || exit 125; done; shift; exec "$@"',
      'sandbox-launch',
      procs.join(' '),
      ...drop,
      this.#bwrap,
      ...bwrapArgs,
    ];
  }

  #bwrapArgs(sandbox: LocalSandbox, env: Record<string, string>): string[] {
    const args = [
      '--unshare-all',
      '--unshare-user',
      '--disable-userns',
      '--die-with-parent',
      '--new-session',
      '--cap-drop',
      'ALL',
      '--uid',
      String(SANDBOX_UID),
      '--gid',
      String(SANDBOX_UID),
      '--hostname',
      'sandbox',
    ];
    for (const entry of this.#system) {
      if (entry.kind === 'symlink') args.push('--symlink', entry.target, entry.path);
      else args.push('--ro-bind', entry.path, entry.path);
    }
    args.push(
      '--ro-bind',
      path.join(sandbox.directories.run, 'passwd'),
      '/etc/passwd',
      '--ro-bind',
      path.join(sandbox.directories.run, 'group'),
      '/etc/group',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--size',
      String(64 * 1024 * 1024),
      '--tmpfs',
      '/tmp',
      '--bind',
      sandbox.directories.workspace,
      '/workspace',
      '--ro-bind',
      sandbox.directories.run,
      '/run/agenticai',
      // bwrap's root is a tmpfs that the sandbox user owns (it made it in its user namespace), so
      // without this, code could write /etc/hosts, /etc/ld.so.preload or /x for the rest of the
      // exec. Last, after every mount point is made; /tmp, /dev and /workspace are their own mounts.
      '--remount-ro',
      '/',
      '--chdir',
      '/workspace',
      '--seccomp',
      '3',
      '--clearenv',
    );
    for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);
    return args;
  }
}
