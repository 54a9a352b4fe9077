import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BubblewrapSandboxDriver } from '../../src/sandbox/bubblewrap-driver.ts';
import { type CgroupVersion, detectCgroups } from '../../src/sandbox/cgroups.ts';
import type { SandboxDriver } from '../../src/sandbox/driver.ts';
import { GvisorSandboxDriver } from '../../src/sandbox/gvisor-driver.ts';

// The two local drivers, built the way select-driver builds them, for suites that run the same
// attacks against each. A driver that cannot run on this host is listed with why, so the suite
// skips it visibly instead of passing vacuously.

export const LOCAL_DRIVER_NAMES = ['bubblewrap', 'gvisor'] as const;
export type LocalDriverName = (typeof LOCAL_DRIVER_NAMES)[number];

export interface LocalDriverCase {
  name: LocalDriverName;
  /** Why this driver cannot run here; null when it can. */
  unavailable: string | null;
  make(root: string, cgroups: CgroupVersion | null): SandboxDriver;
}

const IS_ROOT = process.getuid?.() === 0;
export const RUNSC = '/usr/bin/runsc';
const BWRAP = '/usr/bin/bwrap';

export const LOCAL_DRIVERS: readonly LocalDriverCase[] = [
  {
    name: 'bubblewrap',
    unavailable: existsSync(BWRAP) ? null : 'bwrap is not installed',
    make: (root, cgroups) => new BubblewrapSandboxDriver({ root, cgroups }),
  },
  {
    name: 'gvisor',
    unavailable: !existsSync(RUNSC) ? 'runsc is not installed' : IS_ROOT ? null : 'runsc needs root here',
    make: (root, cgroups) => new GvisorSandboxDriver({ root, cgroups }),
  },
];

/**
 * A fresh sandbox root under the system temp dir, mode 0711: bwrap runs as the sandbox user and
 * must traverse it (a 0700 mkdtemp folder would make every exec fail, not pass).
 */
export function makeSandboxRoot(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  chmodSync(root, 0o711);
  return root;
}

export { detectCgroups };

/** A short random token naming this run's markers, so leftovers are attributable. */
export const randomToken = () => randomBytes(6).toString('hex');

/** argv running a Python snippet inside the sandbox. */
export const python = (code: string): string[] => ['/usr/bin/python3', '-c', code];

/** Whether the host itself can open a TCP connection (proves a refused one inside means isolation). */
export function hostCanConnect(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface HostLeftovers {
  mounts: string[];
  cgroups: string[];
  containers: string[];
  directories: string[];
}

/**
 * What destroyed sandboxes could have left on the host: mounts under `root`, their cgroups (both
 * drivers' names, every controller), runsc containers in the root's state dir, and their folders.
 */
export function hostLeftovers(root: string, ids: readonly string[]): HostLeftovers {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter((line) => line.includes(root));
  const cgroups: string[] = [];
  for (const controller of [
    'memory',
    'pids',
    'cpu',
    'cpuacct',
    'cpuset',
    'devices',
    'freezer',
    'blkio',
    '',
  ]) {
    for (const id of ids)
      for (const name of [`bwrap-${id}`, `gvisor-${id}`]) {
        const directory = join('/sys/fs/cgroup', controller, 'agenticai', name);
        if (existsSync(directory)) cgroups.push(directory);
      }
  }
  const state = join(root, '.runsc');
  const containers =
    existsSync(state) && existsSync(RUNSC)
      ? spawnSync(RUNSC, ['--root', state, 'list', '-quiet'], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter(Boolean)
      : [];
  const directories = existsSync(root) ? readdirSync(root).filter((entry) => ids.includes(entry)) : [];
  return { mounts, cgroups, containers, directories };
}

/** Host /tmp entries whose name holds `token`: what a leak out of the sandbox's /tmp would create. */
export function hostTmpEntries(token: string): string[] {
  return readdirSync(tmpdir()).filter((entry) => entry.includes(token));
}

/**
 * A private "platform data dir" on the host with an admin.key holding a random marker, like the
 * platform's own; the caller removes it.
 */
export function makeHostDataDir(): { dir: string; keyPath: string; marker: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'escape-data-'));
  const marker = `admin-marker-${randomToken()}`;
  const keyPath = join(dir, 'admin.key');
  writeFileSync(keyPath, `${marker}\n`, { mode: 0o600 });
  return { dir, keyPath, marker, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
