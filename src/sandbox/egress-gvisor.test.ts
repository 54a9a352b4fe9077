import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EGRESS_FORWARDER_PATH,
  SANDBOX_EGRESS_FORWARDER,
  SANDBOX_EGRESS_SOCKET,
} from './egress-forwarder.ts';
import { type EgressAttempt, EgressProxy } from './egress-proxy.ts';

// Pins what gVisor needs for the egress path: the sentry refuses connect() on a host Unix socket
// bound into the container (EPERM) unless runsc runs with --host-uds=open.

const RUNSC = '/usr/bin/runsc';

describe.skipIf(!existsSync(RUNSC) || process.getuid?.() !== 0)('egress through gVisor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'egress-gvisor-'));
  const run = join(dir, 'run');
  let web: Server;
  let proxy: EgressProxy;
  const attempts: EgressAttempt[] = [];

  beforeAll(async () => {
    mkdirSync(join(dir, 'rootfs'));
    mkdirSync(run);
    chmodSync(run, 0o755);
    copyFileSync(EGRESS_FORWARDER_PATH, join(run, 'egress-forwarder.py'));
    web = createServer((request, response) => response.end(`hello ${request.url}`));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    proxy = new EgressProxy({
      allow: [`127.0.0.1:${(web.address() as AddressInfo).port}`],
      socketPath: join(run, 'egress.sock'),
      onAttempt: (attempt) => attempts.push(attempt),
    });
    await proxy.listen();
    execFileSync(RUNSC, ['spec'], { cwd: dir });
  });

  afterAll(async () => {
    await proxy.close();
    web.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs python behind the forwarder in a fresh container; `flags` are runsc's global flags. */
  function runInGvisor(
    flags: string[],
    python: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    config.root = { path: 'rootfs', readonly: true };
    config.process.terminal = false;
    config.process.user = { uid: 65534, gid: 65534 };
    config.process.args = ['/usr/bin/python3', SANDBOX_EGRESS_FORWARDER, SANDBOX_EGRESS_SOCKET, '--'];
    config.process.args.push('/usr/bin/python3', '-c', python);
    for (const path of ['/usr', '/lib', '/lib64', '/bin', '/sbin'].filter((p) => existsSync(p)))
      config.mounts.push({ destination: path, type: 'bind', source: path, options: ['rbind', 'ro'] });
    config.mounts.push({
      destination: '/run/agenticai',
      type: 'bind',
      source: run,
      options: ['rbind', 'ro'],
    });
    const bundle = mkdtempSync(join(dir, 'bundle-'));
    mkdirSync(join(bundle, 'rootfs'));
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    const id = `egress-test-${process.pid}-${Date.now()}`;
    const args = ['--root', join(dir, 'state'), '--network=none', ...flags, 'run', '--bundle', bundle, id];
    return new Promise((resolve, reject) => {
      const child = spawn(RUNSC, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  const fetchPython = () =>
    `import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:${(web.address() as AddressInfo).port}/gvisor").read().decode())`;

  it('reaches the proxy over the bound Unix socket with --host-uds=open', async () => {
    attempts.length = 0;
    const result = await runInGvisor(['--host-uds=open'], fetchPython());
    expect(result).toMatchObject({ code: 0, stdout: 'hello /gvisor\n' });
    expect(attempts).toMatchObject([{ method: 'GET', allowed: true }]);
  }, 40_000);

  it('cannot reach the proxy without --host-uds (gVisor refuses the host socket)', async () => {
    attempts.length = 0;
    const result = await runInGvisor([], fetchPython());
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('cannot reach the egress proxy');
    expect(attempts).toEqual([]);
  }, 40_000);
});
