import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxLimitsSchema } from '../../src/sandbox/driver.ts';
import { GvisorSandboxDriver } from '../../src/sandbox/gvisor-driver.ts';
import { builtLauncher, NATIVE_LAUNCHER_PATH } from '../../src/sandbox/native-launcher.ts';
import {
  detectCgroups,
  hostLeftovers,
  LOCAL_DRIVERS,
  makeSandboxRoot,
  python,
  randomToken,
} from './sandbox-drivers.ts';

// gVisor starts every command through an in-sandbox launcher (runsc applies no seccomp filter to
// exec'd processes): the static one built at install, or Perl's where no C compiler was found.
// Both must set the same rlimits and filter; the escape and limits suites run the default one.

const cgroups = await detectCgroups();
const gvisor = LOCAL_DRIVERS.find((local) => local.name === 'gvisor');
const unavailable = gvisor ? gvisor.unavailable : 'no gvisor driver';
const built = builtLauncher();

describe('the static launcher', () => {
  it('is built at install (npm ci runs scripts/build-launcher.mjs)', () => {
    expect(built).toBe(NATIVE_LAUNCHER_PATH);
  });

  it('is what the gVisor driver uses by default', () => {
    const root = makeSandboxRoot('sbx-launcher-default');
    try {
      expect(new GvisorSandboxDriver({ root, cgroups }).launcher).toBe('static');
      expect(new GvisorSandboxDriver({ root, cgroups, launcher: null }).launcher).toBe('perl');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('fails with 125 and says why when its own setup fails, running nothing', () => {
    const run = (args: string[]) => spawnSync(NATIVE_LAUNCHER_PATH, args, { encoding: 'utf8' });
    const missing = run(['/nonexistent/seccomp.bpf', '', '--', '/usr/bin/touch', '/nonexistent/ran']);
    expect(missing.status).toBe(125);
    expect(missing.stderr).toContain('sandbox launcher: seccomp filter: No such file or directory');
    const badLimit = run(['/dev/null', '7:abc:1', '--', '/usr/bin/true']);
    expect(badLimit.status).toBe(125);
    expect(badLimit.stderr).toContain('sandbox launcher: bad limit: 7:abc:1');
    const empty = run(['/dev/null', '', '--', '/usr/bin/true']);
    expect(empty.status).toBe(125);
    expect(empty.stderr).toContain('sandbox launcher: seccomp filter: malformed');
    const usage = run(['/dev/null', '']);
    expect(usage.status).toBe(125);
    expect(usage.stderr).toContain('usage');
  });
});

const LIMITS_AND_FILTER = `
import ctypes, errno, resource
libc = ctypes.CDLL(None, use_errno=True)
print('nproc', *resource.getrlimit(resource.RLIMIT_NPROC))
print('cpu', *resource.getrlimit(resource.RLIMIT_CPU))
print('core', *resource.getrlimit(resource.RLIMIT_CORE))
rc = libc.unshare(0x10000000)
print('unshare', rc, errno.errorcode.get(ctypes.get_errno(), '-') if rc != 0 else 'ok')
print('no_new_privs', libc.prctl(39, 0, 0, 0, 0), 'seccomp', libc.prctl(21, 0, 0, 0, 0))
`;

describe.each([
  { launcher: 'static' as const, path: built },
  { launcher: 'perl' as const, path: null },
])('gVisor with the $launcher launcher', ({ launcher, path }) => {
  describe.skipIf(unavailable !== null)(unavailable ?? 'on this host', () => {
    const id = `launch-${launcher}-${randomToken()}`;
    let root: string;
    let driver: GvisorSandboxDriver;

    beforeAll(async () => {
      root = makeSandboxRoot(`sbx-launch-${launcher}`);
      driver = new GvisorSandboxDriver({ root, cgroups, launcher: path });
      expect(driver.launcher).toBe(launcher);
      await driver.create({
        id,
        limits: SandboxLimitsSchema.parse({ timeoutMs: 30_000, cpuSeconds: 7, maxProcesses: 48 }),
        egress: [],
      });
    }, 60_000);

    afterAll(async () => {
      await driver?.destroy(id);
      rmSync(root, { recursive: true, force: true });
    }, 60_000);

    it('sets the rlimits, no_new_privs and the seccomp filter before the command', async () => {
      const result = await driver.exec(id, python(LIMITS_AND_FILTER));
      expect(result, result.stderr).toMatchObject({ outcome: 'completed', exitCode: 0 });
      const lines = result.stdout.trim().split('\n');
      expect(lines).toEqual([
        'nproc 48 48',
        'cpu 7 8',
        'core 0 0',
        'unshare -1 EPERM',
        'no_new_privs 1 seccomp 2',
      ]);
    }, 60_000);

    it("passes the command's exit code and output through, and 127 for a missing command", async () => {
      const exited = await driver.exec(id, ['/usr/bin/sh', '-c', 'echo out; echo err >&2; exit 3']);
      expect(exited).toMatchObject({ outcome: 'completed', exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
      const missing = await driver.exec(id, ['/usr/bin/no-such-command']);
      expect(missing.exitCode).toBe(127);
      expect(missing.stderr).toContain('/usr/bin/no-such-command');
    }, 60_000);
  });
});

describe.skipIf(unavailable !== null)('a sandbox whose set-up fails', () => {
  it('is refused with the reason, and leaves no mount, cgroup, container or folder behind', async () => {
    const root = makeSandboxRoot('sbx-launch-missing');
    const id = `missing-${randomToken()}`;
    try {
      // The launcher is placed while the workspace is being mounted: a failure there must still
      // undo the mount and everything else made so far.
      const driver = new GvisorSandboxDriver({ root, cgroups, launcher: '/nonexistent/sandbox-launch' });
      await expect(driver.create({ id, limits: SandboxLimitsSchema.parse({}), egress: [] })).rejects.toThrow(
        /sandbox could not be set up: .*ENOENT/,
      );
      expect(hostLeftovers(root, [id])).toEqual({ mounts: [], cgroups: [], containers: [], directories: [] });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
