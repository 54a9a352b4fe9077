import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxDriver, SandboxLimitsSchema } from '../../src/sandbox/driver.ts';
import {
  detectCgroups,
  hostLeftovers,
  LOCAL_DRIVERS,
  makeSandboxRoot,
  python,
  randomToken,
} from './sandbox-drivers.ts';

// Abuse of resources against each local driver: every limit must end the exec (never a hang),
// name itself in `outcome`, and leave the host and the sandbox usable for the next exec.

const MiB = 1024 * 1024;
const MAX_PROCESSES = 32;
const MAX_OUTPUT_BYTES = 64 * 1024;
const cgroups = await detectCgroups();

/** Forks children that sleep, holding them, until the kernel refuses; prints how many it got. */
const FORK_AND_HOLD = `
import errno, os, time
children, failure = [], None
try:
    for _ in range(1000):
        pid = os.fork()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        children.append(pid)
except OSError as error:
    failure = errno.errorcode.get(error.errno, str(error.errno))
print('children', len(children), failure, flush=True)
for pid in children:
    os.kill(pid, 9)
for pid in children:
    os.waitpid(pid, 0)
`;

describe.each(LOCAL_DRIVERS)('$name sandbox limits', (local) => {
  describe.skipIf(local.unavailable !== null)(local.unavailable ?? 'on this host', () => {
    const token = randomToken();
    const id = `limits-${token}`;
    const cpuId = `cpu-${token}`;
    let root: string;
    let driver: SandboxDriver;

    const alive = async () => {
      const result = await driver.exec(id, python('print("alive")'), { timeoutMs: 20_000 });
      expect(result).toMatchObject({ outcome: 'completed', exitCode: 0, stdout: 'alive\n' });
    };

    beforeAll(async () => {
      root = makeSandboxRoot('sbx-limits');
      driver = local.make(root, cgroups);
      await driver.create({
        id,
        limits: SandboxLimitsSchema.parse({
          timeoutMs: 30_000,
          maxProcesses: MAX_PROCESSES,
          memoryBytes: 256 * MiB,
          maxOutputBytes: MAX_OUTPUT_BYTES,
        }),
        egress: [],
      });
      await driver.create({
        id: cpuId,
        limits: SandboxLimitsSchema.parse({ timeoutMs: 30_000, cpuSeconds: 1 }),
        egress: [],
      });
    });

    afterAll(async () => {
      await driver?.destroy(id);
      await driver?.destroy(cpuId);
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it.skipIf(cgroups === null && local.name === 'bubblewrap')(
      `holds fewer than maxProcesses (${MAX_PROCESSES}) processes at once`,
      async () => {
        const result = await driver.exec(id, python(FORK_AND_HOLD), { timeoutMs: 20_000 });
        expect(result.outcome, result.stderr).toBe('completed');
        const [, count, failure] = result.stdout.trim().split(' ');
        expect(failure).toBe('EAGAIN');
        expect(Number(count)).toBeLessThan(MAX_PROCESSES);
        // Not refused early for some other reason: the cap, not a broken fork, stopped it.
        expect(Number(count)).toBeGreaterThanOrEqual(MAX_PROCESSES / 2);
      },
    );

    it('ends a fork bomb at the timeout, leaving the host and the sandbox usable', async () => {
      // Every process forks forever and retries when refused: it never ends by itself.
      const bomb = python(`
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
`);
      const result = await driver.exec(id, bomb, { timeoutMs: 3_000 });
      expect(['completed', 'killed', 'timeout']).toContain(result.outcome);
      expect(result.durationMs).toBeLessThan(10_000);
      expect(spawnSync('/usr/bin/true').status).toBe(0);
      // Nothing of the bomb runs on: the next exec sees only itself.
      const after = await driver.exec(
        id,
        python(`import os; print(sum(entry.isdigit() for entry in os.listdir('/proc')))`),
        { timeoutMs: 20_000 },
      );
      expect(after.outcome, after.stderr).toBe('completed');
      expect(Number(after.stdout)).toBeLessThanOrEqual(4);
      if (local.name === 'bubblewrap' && cgroups) {
        // Each bwrap exec's processes are in the sandbox's cgroup: none left once it ended (the
        // kernel tears a pid namespace down asynchronously, hence the short wait).
        await expect.poll(async () => (await driver.stats(id)).processes, { timeout: 5_000 }).toBe(0);
      }
    });

    it("runs the next command normally after code killed the sandbox's init", async () => {
      // gVisor: pid 1 is the container's init (same uid, so killable); bwrap: the exec's own init.
      // The kill comes after this exec ended, so only the next exec can find the sandbox dead.
      const result = await driver.exec(
        id,
        python(`
import subprocess
subprocess.Popen(['/bin/sh', '-c', 'sleep 0.3; kill -9 1'], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
`),
        { timeoutMs: 20_000 },
      );
      expect(result.outcome, result.stderr).toBe('completed');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await alive();
    });

    it.skipIf(cgroups === null)('is OOM-killed allocating 4 GiB under a 256 MiB limit', async () => {
      const result = await driver.exec(
        id,
        python(`
chunks = []
for _ in range(64):
    chunks.append(b'a' * (64 << 20))
print('allocated 4 GiB', flush=True)
`),
        { timeoutMs: 30_000 },
      );
      expect(result.outcome).toBe('oom');
      expect(result.stdout).not.toContain('allocated');
      await alive();
    });

    it('stops an infinite loop at the timeout', async () => {
      const result = await driver.exec(id, python('while True: pass'), { timeoutMs: 1_500 });
      expect(result.outcome).toBe('timeout');
      expect(result.exitCode).toBeNull();
      expect(result.durationMs).toBeGreaterThanOrEqual(1_400);
      expect(result.durationMs).toBeLessThan(10_000);
      await alive();
    });

    it('cuts 1 GB of output at maxOutputBytes and stops the command', async () => {
      const result = await driver.exec(
        id,
        python(`
import sys
block = 'x' * 65536
for _ in range(16384):
    sys.stdout.write(block)
sys.stdout.flush()
print('finished', file=sys.stderr)
`),
        { timeoutMs: 30_000 },
      );
      expect(result.outcome).toBe('output_truncated');
      expect(result.truncated).toBe(true);
      expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
      expect(result.stderr).not.toContain('finished');
      expect(result.durationMs).toBeLessThan(10_000);
      await alive();
    });

    it('stops a busy loop at its CPU-time limit, well before the wall-clock timeout', async () => {
      const result = await driver.exec(cpuId, python('while True: pass'), { timeoutMs: 30_000 });
      expect(result.outcome).toBe('cpu_limit');
      expect(result.durationMs).toBeLessThan(10_000);
    });

    it('leaves no mounts, cgroups or containers behind once destroyed', async () => {
      // The check sees a live sandbox's traces, so empty lists below mean they are gone.
      const live = hostLeftovers(root, [id, cpuId]);
      expect(live.directories.sort()).toEqual([cpuId, id].sort());
      expect(live.mounts.length).toBe(2);
      if (cgroups) expect(live.cgroups.length).toBeGreaterThan(0);
      await driver.destroy(id);
      await driver.destroy(cpuId);
      expect(hostLeftovers(root, [id, cpuId])).toEqual({
        mounts: [],
        cgroups: [],
        containers: [],
        directories: [],
      });
    });
  });
});
