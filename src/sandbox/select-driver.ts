import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BubblewrapSandboxDriver } from './bubblewrap-driver.ts';
import { detectCgroups, SandboxCgroup } from './cgroups.ts';
import { type SandboxDriver, type SandboxDriverName, SandboxLimitsSchema } from './driver.ts';
import type { EgressAttempt } from './egress-proxy.ts';
import { GvisorSandboxDriver } from './gvisor-driver.ts';
import { KubernetesSandboxDriver, type KubernetesSandboxDriverOptions } from './kubernetes-driver.ts';
import { newSandboxId } from './sandbox-manager.ts';
import { command } from './workspace.ts';

export const SANDBOX_DRIVER_CHOICES = ['auto', 'gvisor', 'bubblewrap', 'kubernetes', 'none'] as const;
export type SandboxDriverChoice = (typeof SANDBOX_DRIVER_CHOICES)[number];

export interface DriverTrial {
  driver: SandboxDriverName;
  ok: boolean;
  /** Why it cannot be used, or how long the probe took. */
  detail: string;
}

export interface DriverSelection {
  driver: SandboxDriver | null;
  /** What was tried, strongest first: the answer to "why this driver?". */
  trials: DriverTrial[];
  /** One line for logs and for code tools' refusal when there is no driver. */
  reason: string;
}

/**
 * Where an installation's sandboxes live: a folder of their own under the system temp dir (the
 * data dir stays private: bwrap opens these paths as the unprivileged sandbox user), one per data
 * dir so two installations never clean up each other's.
 */
export function defaultSandboxRoot(dataDir: string): string {
  const key = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  return path.join(tmpdir(), 'agenticai-sandboxes', key);
}

/**
 * Picks the driver: for `auto`, the strongest that really runs a command here (gVisor, then
 * bubblewrap); a named one must pass the same probe. There is never a host fallback: with none,
 * `driver` is null and `reason` says what failed. Leftovers of an earlier process under `root`
 * (mounts, containers, cgroups) are removed first.
 */
export async function selectSandboxDriver(options: {
  choice: SandboxDriverChoice;
  root: string;
  onEgress: (sandboxId: string, attempt: EgressAttempt) => void;
  kubernetes?: KubernetesSandboxDriverOptions | undefined;
}): Promise<DriverSelection> {
  try {
    return await select(options);
  } catch (error) {
    // Never a rejection: a host where set-up fails (a racing cleanup, a read-only temp dir) runs
    // without code execution and says why.
    return { driver: null, trials: [], reason: `sandboxes could not be set up: ${(error as Error).message}` };
  }
}

async function select(options: Parameters<typeof selectSandboxDriver>[0]): Promise<DriverSelection> {
  if (options.choice === 'none')
    return { driver: null, trials: [], reason: 'sandboxes are turned off (sandboxDriver: none)' };
  // A folder per process: two servers on one host with one data dir (serve and worker) never
  // touch each other's sandboxes, and a restart cleans up after processes that are gone.
  await removeLeftovers(options.root);
  const root = path.join(options.root, `p${process.pid}`);
  await fs.mkdir(root, { recursive: true, mode: 0o711 });
  const cgroups = await detectCgroups();
  const candidates: SandboxDriverName[] =
    options.choice === 'auto' ? ['gvisor', 'bubblewrap'] : [options.choice];
  const trials: DriverTrial[] = [];
  for (const name of candidates) {
    const made = make(name, { ...options, root }, cgroups);
    if (typeof made === 'string') {
      trials.push({ driver: name, ok: false, detail: made });
      continue;
    }
    const detail = await probe(made);
    trials.push({ driver: name, ok: detail.ok, detail: detail.text });
    if (detail.ok) {
      const limits = cgroups
        ? `cgroups ${cgroups}`
        : 'no writable cgroups: memory and process limits are rlimits only';
      const launcher = made instanceof GvisorSandboxDriver ? `; ${made.launcher} in-sandbox launcher` : '';
      return { driver: made, trials, reason: `${name} (${detail.text}; ${limits}${launcher})` };
    }
  }
  const tried = trials.map((trial) => `${trial.driver}: ${trial.detail}`).join('; ');
  return {
    driver: null,
    trials,
    reason: `no sandbox driver works on this host (${tried}); install one with \`apt-get install -y runsc bubblewrap\``,
  };
}

function make(
  name: SandboxDriverName,
  options: Parameters<typeof selectSandboxDriver>[0],
  cgroups: Awaited<ReturnType<typeof detectCgroups>>,
): SandboxDriver | string {
  switch (name) {
    case 'gvisor':
      if (!existsSync('/usr/bin/runsc')) return 'runsc is not installed';
      if (process.getuid?.() !== 0) return 'runsc needs root here (rootless gVisor is not supported)';
      return new GvisorSandboxDriver({ root: options.root, cgroups, onEgress: options.onEgress });
    case 'bubblewrap':
      if (!existsSync('/usr/bin/bwrap')) return 'bwrap is not installed';
      return new BubblewrapSandboxDriver({ root: options.root, cgroups, onEgress: options.onEgress });
    case 'kubernetes':
      if (!options.kubernetes)
        return 'sandboxKubernetes (namespace, image, runtimeClassName) is not configured';
      return new KubernetesSandboxDriver(options.kubernetes);
  }
}

/** Makes a sandbox, runs `true` in it, destroys it. */
async function probe(driver: SandboxDriver): Promise<{ ok: boolean; text: string }> {
  const id = `probe-${newSandboxId().slice(4)}`;
  const started = performance.now();
  try {
    await driver.create({ id, limits: SandboxLimitsSchema.parse({ timeoutMs: 30_000 }), egress: [] });
    const result = await driver.exec(id, ['/usr/bin/true']);
    if (result.outcome !== 'completed' || result.exitCode !== 0)
      return {
        ok: false,
        text: `a probe command failed: ${result.outcome} ${result.stderr.trim().slice(0, 300)}`,
      };
    return { ok: true, text: `probe ran in ${Math.round(performance.now() - started)} ms` };
  } catch (error) {
    return { ok: false, text: (error as Error).message.slice(0, 300) };
  } finally {
    await driver.destroy(id).catch(() => undefined);
  }
}

/**
 * Removes what processes that are gone left under `root` (one `p<pid>` folder each): gVisor
 * containers, tmpfs mounts, cgroups, folders. Our own pid's folder can only be a dead process's
 * (pids are reused, e.g. PID 1 in containers).
 */
async function removeLeftovers(root: string): Promise<void> {
  if (!existsSync(root)) return;
  for (const entry of await fs.readdir(root)) {
    const pid = /^p(\d+)$/.exec(entry)?.[1];
    if (pid === undefined) continue;
    if (Number(pid) !== process.pid && alive(Number(pid))) continue;
    // Another process starting at the same moment may be removing the same folder.
    await removeProcessRoot(path.join(root, entry)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function removeProcessRoot(root: string): Promise<void> {
  const state = path.join(root, '.runsc');
  if (existsSync(state) && existsSync('/usr/bin/runsc')) {
    const listed = await command('/usr/bin/runsc', ['--root', state, 'list', '-quiet']).catch(() => '');
    for (const id of listed.split('\n').filter(Boolean))
      await command('/usr/bin/runsc', ['--root', state, 'delete', '--force', id]).catch(() => undefined);
  }
  const cgroups = await detectCgroups();
  for (const entry of await fs.readdir(root)) {
    if (entry.startsWith('.')) continue;
    if (process.getuid?.() === 0)
      await command('umount', ['-l', path.join(root, entry, 'workspace')]).catch(() => undefined);
    if (cgroups) await new SandboxCgroup(cgroups, `bwrap-${entry}`).destroy().catch(() => undefined);
  }
  await fs.rm(root, { recursive: true, force: true });
}
