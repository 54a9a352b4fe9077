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

/** prctl's syscall number (perl's `syscall` takes raw numbers). */
const PRCTL_SYSCALL = process.arch === 'arm64' ? 167 : 157;

/** argv: CGROUP_JOIN_FILES (space-separated) PRCTL_NR COMMAND... — see #launcher. */
const LAUNCHER = [
  'my ($joins, $prctl) = splice(@ARGV, 0, 2);',
  // PR_SET_CHILD_SUBREAPER: orphans of the sandbox come to us, not to the host's init.
  'syscall($prctl, 36, 1, 0, 0, 0) == 0 or exit 125;',
  // "0" is the writing thread itself (the launcher has one): see SandboxCgroup.joinFiles.
  'for my $file (split / /, $joins) { open(my $fh, ">", $file) or exit 125; print $fh "0\\n"; close($fh) or exit 125; }',
  'my $child = fork() // exit 125;',
  'if ($child == 0) { exec { $ARGV[0] } @ARGV; exit 127; }',
  'my $status = 0;',
  'while ((my $pid = waitpid(-1, 0)) > 0) { $status = $? if $pid == $child; }',
  'exit($status & 127 ? 128 + ($status & 127) : $status >> 8);',
].join('\n');

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
      inside: 'prlimit',
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
   * A fixed Perl launcher (perl-base is always on Debian) joins the sandbox's cgroup, becomes the
   * child subreaper, runs bwrap (as root: through setpriv, so nothing of the sandbox ever holds
   * host root) and reaps everything left behind before it exits. bwrap with a pid namespace exits
   * without reaping the sandbox's init (containers/bubblewrap#697); unreaped, that zombie would
   * hold a slot of the pids cgroup until the host's init got to it, or forever where the platform
   * is itself PID 1. The command's argv is passed as arguments, never parsed by a shell.
   */
  #launcher(sandbox: LocalSandbox, bwrapArgs: string[]): string[] {
    const drop = IS_ROOT
      ? ['/usr/bin/setpriv', `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, '--clear-groups', '--']
      : [];
    const joins = sandbox.cgroup?.joinFiles() ?? [];
    return [
      '/usr/bin/perl',
      '-e',
      LAUNCHER,
      joins.join(' '),
      String(PRCTL_SYSCALL),
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
