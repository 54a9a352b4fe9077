import { lstatSync, readlinkSync } from 'node:fs';

/**
 * The only host paths a sandbox sees, all read-only: the system's programs and libraries, and the
 * public bits of /etc that programs need (CA certificates for allowed HTTPS egress, the
 * alternatives links). Not /etc itself (shadow, the host's configuration), /tmp, /root, /home,
 * the platform's data dir or the checkout.
 */
export const SYSTEM_DIRECTORIES = ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32'] as const;
export const PUBLIC_ETC = [
  '/etc/alternatives',
  '/etc/ssl/certs',
  '/etc/ca-certificates',
  '/etc/ld.so.cache',
] as const;

export type HostPath =
  | { path: string; kind: 'directory' | 'file' }
  | { path: string; kind: 'symlink'; target: string };

/** What of the allowlist exists on this host, with merged-/usr symlinks kept as symlinks. */
export function hostSystemPaths(): HostPath[] {
  const found: HostPath[] = [];
  for (const path of [...SYSTEM_DIRECTORIES, ...PUBLIC_ETC]) {
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) found.push({ path, kind: 'symlink', target: readlinkSync(path) });
      else if (stat.isDirectory()) found.push({ path, kind: 'directory' });
      else if (stat.isFile()) found.push({ path, kind: 'file' });
    } catch {
      // Not on this host.
    }
  }
  return found;
}

/** A passwd and group naming only the sandbox user, so `whoami` and Python's `getpass` work. */
export const SANDBOX_PASSWD =
  'root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nsandbox:x:65534:65534:sandbox:/workspace:/bin/sh\n';
export const SANDBOX_GROUP = 'root:x:0:\nsandbox:x:65534:\n';

/** The environment every exec starts from; callers add theirs on top (never the platform's). */
export const SANDBOX_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/workspace',
  TMPDIR: '/tmp',
  LANG: 'C.UTF-8',
  PYTHONDONTWRITEBYTECODE: '1',
};

/** Names an exec's env may set: no loader or proxy variables that would change how isolation works. */
export function checkEnvName(name: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) return `"${name}" is not a valid variable name`;
  if (/^(LD_|GCONV_|HTTPS?_PROXY$|NO_PROXY$)/i.test(name)) return `"${name}" may not be set in a sandbox`;
  return null;
}

/**
 * The per-process rlimits of every sandboxed command. CPU is soft:hard with the hard one second
 * later: at the soft limit the kernel sends SIGXCPU, which names the outcome (cpu_limit); with
 * soft = hard it sends SIGKILL at once, read as `killed`. NPROC only where the sandbox has a
 * kernel of its own (gVisor): under bwrap the count would be the host user's, so the pids cgroup
 * bounds processes there instead.
 */
export function sandboxRlimits(
  limits: { cpuSeconds: number; workspaceBytes: number; maxProcesses: number },
  withProcessLimit: boolean,
): { type: string; soft: number; hard: number }[] {
  return [
    { type: 'RLIMIT_CPU', soft: limits.cpuSeconds, hard: limits.cpuSeconds + 1 },
    { type: 'RLIMIT_FSIZE', soft: limits.workspaceBytes, hard: limits.workspaceBytes },
    { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
    { type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 },
    ...(withProcessLimit
      ? [{ type: 'RLIMIT_NPROC', soft: limits.maxProcesses, hard: limits.maxProcesses }]
      : []),
  ];
}

/** The same limits as a prlimit(1) prefix before each command. */
export function prlimitPrefix(
  limits: { cpuSeconds: number; workspaceBytes: number; maxProcesses: number },
  withProcessLimit: boolean,
): string[] {
  const flags = sandboxRlimits(limits, withProcessLimit).map(
    (limit) => `--${limit.type.slice('RLIMIT_'.length).toLowerCase()}=${limit.soft}:${limit.hard}`,
  );
  return ['/usr/bin/prlimit', ...flags, '--'];
}

/** Syscall numbers the in-sandbox launcher needs (perl's `syscall` takes raw numbers). */
const SYSCALLS = process.arch === 'arm64' ? { prctl: 167, setrlimit: 164 } : { prctl: 157, setrlimit: 160 };
/** Linux resource numbers (the same on x86_64 and arm64). */
const RESOURCES: Record<string, number> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_CORE: 4,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
};

/**
 * Inside gVisor, runsc applies no seccomp filter to `runsc exec` processes, and its kernel lets
 * an unprivileged process create a user namespace. This launcher (perl-base is always in /usr)
 * sets the rlimits, sets no_new_privs and installs the same seccomp filter bubblewrap uses (read
 * from the sandbox's read-only run folder), then execs the command. It is the fallback of the
 * static launcher (launcher/sandbox-launch.c, the same steps), used where that was not built.
 */
const INSIDE_LAUNCHER = [
  'my ($filter, $prctl, $setrlimit, $limits) = splice(@ARGV, 0, 4); shift @ARGV if @ARGV && $ARGV[0] eq "--";',
  'for (split /,/, $limits) { my ($r, $s, $h) = split /:/; my $v = pack("QQ", $s, $h); syscall($setrlimit, $r + 0, $v) == 0 or die "sandbox launcher: setrlimit $r: $!\\n"; }',
  'open(my $f, "<:raw", $filter) or die "sandbox launcher: seccomp filter: $!\\n"; my $prog = do { local $/; <$f> }; close $f;',
  'syscall($prctl, 38, 1, 0, 0, 0) == 0 or die "sandbox launcher: no_new_privs: $!\\n";',
  'my $fprog = pack("S x6 J", length($prog) / 8, unpack("J", pack("p", $prog)));',
  'syscall($prctl, 22, 2, $fprog, 0, 0) == 0 or die "sandbox launcher: seccomp: $!\\n";',
  'exec { $ARGV[0] } @ARGV or do { print STDERR "$ARGV[0]: $!\\n"; exit 127 };',
].join('\n');

/** Where each sandbox's seccomp program is, inside (its run folder is bound read-only there). */
export const SANDBOX_SECCOMP_FILE = '/run/agenticai/seccomp.bpf';

/**
 * The in-sandbox launcher's argv prefix: rlimits, no_new_privs, seccomp, then the command. With
 * `nativeLauncher` (its path inside the sandbox), the static launcher; else the Perl one.
 */
export function seccompLauncherPrefix(
  limits: {
    cpuSeconds: number;
    workspaceBytes: number;
    maxProcesses: number;
  },
  nativeLauncher?: string,
): string[] {
  const spec = sandboxRlimits(limits, true)
    .map((limit) => `${RESOURCES[limit.type]}:${limit.soft}:${limit.hard}`)
    .join(',');
  if (nativeLauncher) return [nativeLauncher, SANDBOX_SECCOMP_FILE, spec, '--'];
  return [
    '/usr/bin/perl',
    '-e',
    INSIDE_LAUNCHER,
    SANDBOX_SECCOMP_FILE,
    String(SYSCALLS.prctl),
    String(SYSCALLS.setrlimit),
    spec,
    '--',
  ];
}
