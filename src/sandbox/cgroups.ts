import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { SandboxLimits } from './driver.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** Every sandbox's cgroup lives under this name, so a restart can find and remove leftovers. */
export const CGROUP_PARENT = 'agenticai';

export type CgroupVersion = 'v1' | 'v2';

/** Which cgroup hierarchy this host offers us, writable; null when neither is. */
export async function detectCgroups(): Promise<CgroupVersion | null> {
  if (existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))) {
    const parent = path.join(CGROUP_ROOT, CGROUP_PARENT);
    try {
      await fs.mkdir(parent, { recursive: true });
      const controllers = (await fs.readFile(path.join(CGROUP_ROOT, 'cgroup.controllers'), 'utf8')).split(
        /\s+/,
      );
      if (!controllers.includes('memory') || !controllers.includes('pids')) return null;
      await fs
        .writeFile(path.join(CGROUP_ROOT, 'cgroup.subtree_control'), '+memory +pids +cpu')
        .catch(() => undefined);
      await fs.writeFile(path.join(parent, 'cgroup.subtree_control'), '+memory +pids +cpu');
      return 'v2';
    } catch {
      return null;
    }
  }
  for (const controller of ['memory', 'pids'] as const) {
    try {
      await fs.mkdir(path.join(CGROUP_ROOT, controller, CGROUP_PARENT), { recursive: true });
    } catch {
      return null;
    }
  }
  return 'v1';
}

/**
 * One sandbox's cgroups (memory, pids, cpu): the kernel caps the whole process tree, whatever it
 * forks. A process joins by writing `0` (itself) to every file in `joinFiles` before it execs.
 */
export class SandboxCgroup {
  readonly #version: CgroupVersion;
  readonly #name: string;

  constructor(version: CgroupVersion, name: string) {
    this.#version = version;
    this.#name = name;
  }

  /** v1 keeps one directory per controller; v2 one directory for all. */
  #directory(controller: 'memory' | 'pids' | 'cpu'): string {
    return this.#version === 'v2'
      ? path.join(CGROUP_ROOT, CGROUP_PARENT, this.#name)
      : path.join(CGROUP_ROOT, controller, CGROUP_PARENT, this.#name);
  }

  async create(limits: SandboxLimits): Promise<void> {
    if (this.#version === 'v2') {
      const directory = this.#directory('memory');
      await fs.mkdir(directory, { recursive: true });
      await fs.writeFile(path.join(directory, 'memory.max'), String(limits.memoryBytes));
      await fs.writeFile(path.join(directory, 'memory.swap.max'), '0').catch(() => undefined);
      await fs.writeFile(path.join(directory, 'pids.max'), String(limits.maxProcesses));
      await fs.writeFile(path.join(directory, 'cpu.max'), '100000 100000').catch(() => undefined);
      return;
    }
    await fs.mkdir(this.#directory('memory'), { recursive: true });
    await fs.writeFile(
      path.join(this.#directory('memory'), 'memory.limit_in_bytes'),
      String(limits.memoryBytes),
    );
    // Without a swap cap a process past the limit would swap instead of being OOM-killed.
    await fs
      .writeFile(
        path.join(this.#directory('memory'), 'memory.memsw.limit_in_bytes'),
        String(limits.memoryBytes),
      )
      .catch(() => undefined);
    await fs.mkdir(this.#directory('pids'), { recursive: true });
    await fs.writeFile(path.join(this.#directory('pids'), 'pids.max'), String(limits.maxProcesses));
    // One core at most, so one sandbox cannot starve the platform (best effort: cpu may be absent).
    const cpu = this.#directory('cpu');
    await fs
      .mkdir(cpu, { recursive: true })
      .then(() => fs.writeFile(path.join(cpu, 'cpu.cfs_quota_us'), '100000'))
      .catch(() => undefined);
  }

  /**
   * The files a single-threaded process writes `0` (itself) to, to join this sandbox's cgroups. On
   * v1 these are the thread-level `tasks` files: moving only the calling thread skips the
   * cgroup-wide threadgroup lock, whose write side waits for an RCU grace period (12 ms p50 after
   * idle on a 2-core VM, against 0.5 ms; bench/README.md, "Sandboxes"). Children forked afterwards
   * start in the cgroups. On v2, `cgroup.procs`.
   */
  joinFiles(): string[] {
    if (this.#version === 'v2') return [path.join(this.#directory('memory'), 'cgroup.procs')];
    const files = [this.#directory('memory'), this.#directory('pids')].map((directory) =>
      path.join(directory, 'tasks'),
    );
    if (existsSync(this.#directory('cpu'))) files.push(path.join(this.#directory('cpu'), 'tasks'));
    return files;
  }

  /** How many times the kernel's OOM killer has killed a process of this sandbox. */
  async oomKills(): Promise<number> {
    const file =
      this.#version === 'v2'
        ? path.join(this.#directory('memory'), 'memory.events')
        : path.join(this.#directory('memory'), 'memory.oom_control');
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    const match = /^oom_kill (\d+)$/m.exec(text);
    return match ? Number(match[1]) : 0;
  }

  async memory(): Promise<{ current?: number; peak?: number; processes?: number }> {
    const read = async (controller: 'memory' | 'pids', file: string) => {
      const text = await fs.readFile(path.join(this.#directory(controller), file), 'utf8').catch(() => '');
      const value = Number.parseInt(text, 10);
      return Number.isFinite(value) ? value : undefined;
    };
    const v2 = this.#version === 'v2';
    const current = await read('memory', v2 ? 'memory.current' : 'memory.usage_in_bytes');
    const peak = await read('memory', v2 ? 'memory.peak' : 'memory.max_usage_in_bytes');
    const processes = await read('pids', 'pids.current');
    return {
      ...(current === undefined ? {} : { current }),
      ...(peak === undefined ? {} : { peak }),
      ...(processes === undefined ? {} : { processes }),
    };
  }

  /** Kills whatever is still in the cgroup, then removes it. Safe to call twice. */
  async destroy(): Promise<void> {
    const directories =
      this.#version === 'v2'
        ? [this.#directory('memory')]
        : [this.#directory('memory'), this.#directory('pids'), this.#directory('cpu')];
    for (const directory of directories) {
      if (!existsSync(directory)) continue;
      if (this.#version === 'v2')
        await fs.writeFile(path.join(directory, 'cgroup.kill'), '1').catch(() => undefined);
      else await killAll(path.join(directory, 'cgroup.procs'));
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          await fs.rmdir(directory);
          break;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code !== 'EBUSY') throw error;
          await killAll(path.join(directory, 'cgroup.procs'));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    }
  }
}

async function killAll(procsFile: string): Promise<void> {
  const text = await fs.readFile(procsFile, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const pid = Number.parseInt(line, 10);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}
