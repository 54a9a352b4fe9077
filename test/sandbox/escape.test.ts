import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/index.ts';
import { type SandboxDriver, SandboxLimitsSchema } from '../../src/sandbox/driver.ts';
import {
  detectCgroups,
  hostCanConnect,
  hostLeftovers,
  hostTmpEntries,
  LOCAL_DRIVERS,
  makeHostDataDir,
  makeSandboxRoot,
  python,
  randomToken,
} from './sandbox-drivers.ts';

// Escape attempts against each local driver: every case names the host resource it goes for and
// asserts the specific way it is kept out, and where a leak would be invisible from inside (a
// write, a connection) it also checks the host side, so a broken isolation fails the test.

/** Prints `label result` per attempt: `ok <value>` or `<ExceptionType> <ERRNO>`. */
const PRELUDE = `
import ctypes, errno, os, socket
libc = ctypes.CDLL(None, use_errno=True)
def attempt(label, fn):
    try:
        value = fn()
        print(label, 'ok', repr(value)[:200].replace('\\n', ' '), flush=True)
    except OSError as error:
        code = errno.errorcode.get(error.errno, str(error.errno))
        print(label, type(error).__name__, code, flush=True)
def check(rc):
    if rc == -1:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))
    return rc
def read(path):
    with open(path) as file:
        return file.read()
def write(path):
    with open(path, 'w') as file:
        file.write('escaped')
    return os.path.exists(path)
def tcp(host, port):
    with socket.create_connection((host, port), timeout=3):
        return 'connected'
`;

/** The attempts' results by label. */
function attempts(stdout: string): Map<string, string> {
  return new Map(
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const space = line.indexOf(' ');
        return [line.slice(0, space), line.slice(space + 1)] as const;
      }),
  );
}

/** The AppError code a file call is refused with, or what it returned (a leak). */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    const value = await call;
    return `resolved: ${value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value)}`;
  } catch (error) {
    return error instanceof AppError ? error.code : `unexpected ${String(error)}`;
  }
}

const cgroups = await detectCgroups();

describe.each(LOCAL_DRIVERS)('$name sandbox escape attempts', (local) => {
  describe.skipIf(local.unavailable !== null)(local.unavailable ?? 'on this host', () => {
    const token = randomToken();
    const id = `escape-${token}`;
    let root: string;
    let data: ReturnType<typeof makeHostDataDir>;
    let driver: SandboxDriver;
    let platformLike: Server;

    const run = async (code: string) => {
      const result = await driver.exec(id, python(PRELUDE + code), { timeoutMs: 20_000 });
      expect(result.outcome, result.stderr).toBe('completed');
      expect(result.stderr).toBe('');
      return { ...result, attempts: attempts(result.stdout) };
    };

    beforeAll(async () => {
      root = makeSandboxRoot('sbx-escape');
      data = makeHostDataDir();
      driver = local.make(root, cgroups);
      await driver.create({ id, limits: SandboxLimitsSchema.parse({ timeoutMs: 30_000 }), egress: [] });
      platformLike = createServer((_request, response) => response.end('platform'));
      await new Promise<void>((resolve) => platformLike.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await driver?.destroy(id);
      await new Promise((resolve) => platformLike?.close(resolve));
      data?.remove();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('cannot read /etc/shadow, which the host has', async () => {
      expect(readFileSync('/etc/shadow', 'utf8').length).toBeGreaterThan(0);
      const { attempts } = await run(`attempt('shadow', lambda: read('/etc/shadow'))`);
      expect(attempts.get('shadow')).toBe('FileNotFoundError ENOENT');
    });

    it("cannot read the platform's data dir or admin.key, directly or through /proc/*/root", async () => {
      expect(readFileSync(data.keyPath, 'utf8')).toContain(data.marker);
      const { stdout, attempts } = await run(`
attempt('key', lambda: read(${JSON.stringify(data.keyPath)}))
attempt('dir', lambda: os.listdir(${JSON.stringify(data.dir)}))
attempt('proc1', lambda: read('/proc/1/root' + ${JSON.stringify(data.keyPath)}))
attempt('procself', lambda: read('/proc/self/root' + ${JSON.stringify(data.keyPath)}))
`);
      expect(stdout).not.toContain(data.marker);
      expect(attempts.get('key')).toBe('FileNotFoundError ENOENT');
      expect(attempts.get('dir')).toBe('FileNotFoundError ENOENT');
      expect(attempts.get('procself')).toBe('FileNotFoundError ENOENT');
      // pid 1 is the sandbox's own init: its root is the sandbox's (or it is not ours to open).
      expect(attempts.get('proc1')).toMatch(/^(FileNotFoundError ENOENT|PermissionError EACCES)$/);
    });

    it('cannot write outside the workspace, and nothing appears on the host', async () => {
      const name = `escape-write-${token}`;
      const targets = {
        usrbin: `/usr/bin/${name}`,
        etc: `/etc/${name}`,
        root: `/${name}`,
        tmpup: `/tmp/../${name}-up`,
      };
      const { attempts } = await run(
        Object.entries(targets)
          .map(([label, target]) => `attempt('${label}', lambda: write('${target}'))`)
          .join('\n'),
      );
      for (const label of Object.keys(targets))
        expect(attempts.get(label), label).toMatch(/^(OSError EROFS|PermissionError EACCES)$/);
      for (const hostPath of [`/usr/bin/${name}`, `/etc/${name}`, `/${name}`, `/${name}-up`])
        expect(existsSync(hostPath), hostPath).toBe(false);
    });

    it("writes to /tmp stay in the sandbox's own /tmp, not the host's", async () => {
      const name = `escape-tmp-${token}`;
      const { attempts } = await run(`attempt('tmp', lambda: write('/tmp/${name}'))`);
      expect(attempts.get('tmp')).toBe('ok True');
      expect(existsSync(join(tmpdir(), name))).toBe(false);
    });

    it('sees only its own few processes, none of the host', async () => {
      const { stdout } = await run(`
pids = sorted(int(entry) for entry in os.listdir('/proc') if entry.isdigit())
print('pids', ' '.join(map(str, pids)))
for pid in pids:
    try:
        print('cmdline', read(f'/proc/{pid}/cmdline').replace('\\0', ' ').strip())
    except OSError as error:
        print('cmdline', type(error).__name__)
`);
      const lines = stdout.trim().split('\n');
      const pids = (lines.find((line) => line.startsWith('pids '))?.slice(5) ?? '').split(' ').map(Number);
      expect(pids.length).toBeGreaterThan(0);
      expect(pids.length).toBeLessThanOrEqual(6);
      expect(pids).not.toContain(process.pid);
      const commands = lines.filter((line) => line.startsWith('cmdline ')).join('\n');
      expect(commands).not.toMatch(/node|vitest|postgres|redis|containerd|sshd/);
      expect(commands).toContain('python3');
    });

    it("cannot connect to host services on loopback (postgres, redis, the platform's HTTP port)", async () => {
      const platformPort = (platformLike.address() as AddressInfo).port;
      const candidates = { postgres: 5432, redis: 6379, platform: platformPort };
      const reachable: Record<string, number> = {};
      for (const [label, port] of Object.entries(candidates))
        if (await hostCanConnect('127.0.0.1', port)) reachable[label] = port;
      // The platform-like server always answers the host: a refusal inside is then isolation.
      expect(reachable.platform).toBe(platformPort);
      const { attempts } = await run(
        Object.entries(reachable)
          .map(([label, port]) => `attempt('${label}', lambda: tcp('127.0.0.1', ${port}))`)
          .join('\n'),
      );
      for (const label of Object.keys(reachable))
        expect(attempts.get(label), label).toBe('ConnectionRefusedError ECONNREFUSED');
    });

    it('cannot reach any external address', async () => {
      const { attempts } = await run(`
attempt('dns', lambda: tcp('1.1.1.1', 53))
attempt('https', lambda: tcp('8.8.8.8', 443))
attempt('udp', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('1.1.1.1', 53)))
`);
      // No route at all (bwrap: no interface but loopback; gVisor's netstack: no host route).
      for (const label of ['dns', 'https', 'udp'])
        expect(attempts.get(label), label).toMatch(/^OSError (ENETUNREACH|EHOSTUNREACH)$/);
    });

    it('cannot resolve names (no DNS to exfiltrate through)', async () => {
      const { attempts } = await run(
        `attempt('dns', lambda: socket.getaddrinfo('exfil-${token}.example.com', 80))`,
      );
      expect(attempts.get('dns')).toMatch(/^gaierror /);
    });

    it('cannot gain privileges: setuid, mount, chroot, ptrace and raw sockets fail', async () => {
      const { attempts } = await run(`
attempt('setuid', lambda: os.setuid(0))
attempt('setgid', lambda: os.setgid(0))
attempt('mount', lambda: check(libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)))
attempt('chroot', lambda: os.chroot('/tmp'))
PTRACE_ATTACH = 16
attempt('ptrace1', lambda: check(libc.ptrace(PTRACE_ATTACH, 1, None, None)))
attempt('ptraceparent', lambda: check(libc.ptrace(PTRACE_ATTACH, os.getppid() or 1, None, None)))
attempt('raw', lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
attempt('packet', lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0))
print('uid', 'ok', os.getuid(), os.geteuid())
`);
      expect(attempts.get('uid')).toBe('ok 65534 65534');
      // EINVAL: uid 0 does not exist in the sandbox's user namespace; EPERM: no CAP_SETUID.
      for (const label of ['setuid', 'setgid'])
        expect(attempts.get(label), label).toMatch(/^(PermissionError EPERM|OSError EINVAL)$/);
      for (const label of ['mount', 'chroot', 'ptrace1', 'ptraceparent', 'raw', 'packet'])
        expect(attempts.get(label), label).toBe('PermissionError EPERM');
    });

    // gVisor (runsc 2022-12) lets an unprivileged process unshare(CLONE_NEWUSER) and would then
    // grant raw sockets in the container's network namespace; runsc applies no seccomp to exec'd
    // processes, so the driver's in-sandbox launcher installs the bubblewrap filter itself.
    it('cannot gain capabilities through a new user namespace', async () => {
      const { attempts } = await run(`
attempt('unshare', lambda: check(libc.unshare(0x10000000)))
attempt('raw', lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
attempt('packet', lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0))
`);
      for (const label of ['unshare', 'raw', 'packet'])
        expect(attempts.get(label), label).toBe('PermissionError EPERM');
    });

    it('file access refuses symlinks that point at host files, and never returns their content', async () => {
      const evil = `escape-evil-${token}`;
      const { attempts } = await run(`
attempt('leak', lambda: os.symlink('/etc/shadow', 'leak'))
attempt('key', lambda: os.symlink(${JSON.stringify(data.keyPath)}, 'key'))
attempt('dir', lambda: os.symlink('/etc', 'd'))
attempt('dangling', lambda: os.symlink('/etc/${evil}-dangling', 'dangling'))
attempt('inside', lambda: read('leak'))
`);
      for (const label of ['leak', 'key', 'dir', 'dangling'])
        expect(attempts.get(label), label).toBe('ok None');
      // Inside, the link resolves in the sandbox's own view, where there is no shadow file.
      expect(attempts.get('inside')).toBe('FileNotFoundError ENOENT');

      const shadow = readFileSync('/etc/shadow', 'utf8');
      for (const path of ['leak', 'key', 'd/shadow', '/workspace/d/shadow', 'd/../leak']) {
        const refused = await refusal(driver.readFile(id, path));
        expect(['INVALID_REQUEST', 'NOT_FOUND'], `${path}: ${refused}`).toContain(refused);
      }
      expect(await refusal(driver.readFile(id, 'key'))).not.toContain(data.marker);
      expect(await refusal(driver.readFile(id, 'leak'))).not.toContain(shadow.slice(0, 20));

      expect(await refusal(driver.writeFile(id, `d/${evil}`, 'escaped'))).toBe('INVALID_REQUEST');
      expect(await refusal(driver.writeFile(id, 'dangling', 'escaped'))).toBe('INVALID_REQUEST');
      expect(await refusal(driver.writeFile(id, 'key', 'overwritten'))).toBe('INVALID_REQUEST');
      expect(existsSync(`/etc/${evil}`)).toBe(false);
      expect(existsSync(`/etc/${evil}-dangling`)).toBe(false);
      expect(readFileSync(data.keyPath, 'utf8')).toBe(`${data.marker}\n`);
    });

    it('leaves no mounts, cgroups, containers or /tmp files behind once destroyed', async () => {
      // Still usable before: the checks above did not break the sandbox itself.
      const { attempts } = await run(`attempt('alive', lambda: 'yes')`);
      expect(attempts.get('alive')).toBe("ok 'yes'");
      // The check sees a live sandbox's traces, so empty lists below mean they are gone.
      const live = hostLeftovers(root, [id]);
      expect(live.directories).toEqual([id]);
      expect(live.mounts.length).toBeGreaterThan(0);
      if (cgroups) expect(live.cgroups.length).toBeGreaterThan(0);
      if (local.name === 'gvisor') expect(live.containers).toEqual([id]);
      await driver.destroy(id);
      expect(hostLeftovers(root, [id])).toEqual({ mounts: [], cgroups: [], containers: [], directories: [] });
      expect(hostTmpEntries(token)).toEqual([]);
    });
  });
});
