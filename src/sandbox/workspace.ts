import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError, invalid } from '../core/index.ts';

/** The uid and gid code runs as inside every sandbox, and that owns its workspace on the host. */
export const SANDBOX_UID = 65534;

const IS_ROOT = process.getuid?.() === 0;

/**
 * One sandbox's directories on the host, under the installation's sandbox root:
 * `workspace/` (bound read-write at /workspace), `run/` (bound read-only at /run/agenticai: the
 * egress socket and forwarder) and `bundle/` (gVisor's OCI bundle). Nothing else of the host is
 * bound in, so no sandbox sees another's directories.
 */
export class SandboxDirectories {
  readonly base: string;
  readonly workspace: string;
  readonly run: string;
  readonly bundle: string;

  constructor(root: string, id: string) {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) throw invalid(`bad sandbox id "${id}"`);
    this.base = path.join(root, id);
    this.workspace = path.join(this.base, 'workspace');
    this.run = path.join(this.base, 'run');
    this.bundle = path.join(this.base, 'bundle');
  }

  /** The folders, empty: the run folder can be filled while the workspace is being mounted. */
  async makeFolders(): Promise<void> {
    // Traversable but not listable: bwrap opens these as the unprivileged sandbox user.
    await fs.mkdir(this.base, { recursive: true, mode: 0o711 });
    await fs.mkdir(this.workspace, { mode: 0o700 });
    await fs.mkdir(this.run, { mode: 0o755 });
  }

  /**
   * As root the workspace is a tmpfs of `workspaceBytes`, so the kernel enforces the size; else a
   * plain directory whose files are capped one by one (RLIMIT_FSIZE in the sandbox).
   */
  async mountWorkspace(workspaceBytes: number): Promise<void> {
    if (!IS_ROOT) return;
    await command('mount', [
      '-t',
      'tmpfs',
      '-o',
      `size=${workspaceBytes},mode=0700,uid=${SANDBOX_UID},gid=${SANDBOX_UID},nosuid,nodev`,
      'tmpfs',
      this.workspace,
    ]);
  }

  /** Unmounts and deletes everything; a missing directory is not an error. */
  async remove(): Promise<void> {
    if (IS_ROOT) await command('umount', ['-l', this.workspace]).catch(() => undefined);
    await fs.rm(this.base, { recursive: true, force: true });
  }

  /** Bytes used in the workspace (tmpfs: from statfs; a directory: a walk). */
  async usage(): Promise<number> {
    if (IS_ROOT) {
      const stats = await fs.statfs(this.workspace);
      return (stats.blocks - stats.bfree) * stats.bsize;
    }
    return directorySize(this.workspace);
  }

  /** Whether a tmpfs workspace is full (a write failed with ENOSPC, most likely). */
  async full(): Promise<boolean> {
    if (!IS_ROOT) return false;
    const stats = await fs.statfs(this.workspace);
    return stats.bavail === 0;
  }

  /**
   * Writes a file inside the workspace, creating its folders. Refuses a path that leaves the
   * workspace, goes through a symlink, or lands anywhere but inside it once opened.
   */
  async writeFile(relative: string, content: Uint8Array | string): Promise<void> {
    const parts = workspacePath(relative);
    let directory = this.workspace;
    for (const part of parts.slice(0, -1)) {
      directory = path.join(directory, part);
      await fs.mkdir(directory, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      const stat = await fs.lstat(directory);
      if (!stat.isDirectory()) throw invalid(`"${relative}": ${part} is not a folder in the workspace`);
      if (IS_ROOT) await fs.lchown(directory, SANDBOX_UID, SANDBOX_UID);
    }
    const target = path.join(directory, parts.at(-1) as string);
    const handle = await openInside(
      this.workspace,
      target,
      constants.O_WRONLY |
        constants.O_CREAT |
        constants.O_TRUNC |
        constants.O_NOFOLLOW |
        constants.O_NONBLOCK,
      relative,
    );
    try {
      if (IS_ROOT) await handle.chown(SANDBOX_UID, SANDBOX_UID);
      await handle.writeFile(content);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC')
        throw new AppError('QUOTA_EXCEEDED', `workspace is full writing "${relative}"`);
      throw error;
    } finally {
      await handle.close();
    }
  }

  /** Reads up to `maxBytes` of a regular file inside the workspace; same refusals as writeFile. */
  async readFile(relative: string, maxBytes: number): Promise<Uint8Array> {
    const parts = workspacePath(relative);
    const handle = await openInside(
      this.workspace,
      path.join(this.workspace, ...parts),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      relative,
    );
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw invalid(`"${relative}" is not a regular file`);
      const length = Math.min(stat.size, maxBytes);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
}

/** A workspace-relative path's segments; refuses absolute paths, `..`, NUL and empty paths. */
export function workspacePath(relative: string): string[] {
  if (typeof relative !== 'string' || relative.length === 0 || relative.length > 4096)
    throw invalid('a workspace path must be 1 to 4096 characters');
  if (relative.includes('\0')) throw invalid('a workspace path may not contain NUL');
  const cleaned = relative.startsWith('/workspace/') ? relative.slice('/workspace/'.length) : relative;
  if (path.isAbsolute(cleaned))
    throw invalid(`"${relative}" is absolute: paths are relative to the workspace`);
  const parts = cleaned.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0) throw invalid(`"${relative}" names no file`);
  if (parts.includes('..')) throw invalid(`"${relative}" leaves the workspace`);
  return parts;
}

/**
 * Opens `target` and then checks where the descriptor really points (/proc/self/fd), so a folder
 * swapped for a symlink between the checks and the open still cannot reach outside. O_NOFOLLOW
 * refuses a symlink as the last segment.
 */
async function openInside(workspace: string, target: string, flags: number, relative: string) {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(target, flags, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      throw invalid(`"${relative}" is a symlink: files are read and written only inside the workspace`);
    if (code === 'ENOENT') throw new AppError('NOT_FOUND', `"${relative}" not found in the workspace`);
    if (code === 'ENOTDIR') throw invalid(`"${relative}": a folder on the way is not a folder`);
    if (code === 'EISDIR') throw invalid(`"${relative}" is a folder`);
    if (code === 'ENOSPC') throw new AppError('QUOTA_EXCEEDED', `workspace is full writing "${relative}"`);
    throw error;
  }
  const real = await fs.readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
  const root = await fs.realpath(workspace);
  if (real === null || !real.startsWith(`${root}/`)) {
    await handle.close();
    throw invalid(`"${relative}" resolves outside the workspace`);
  }
  return handle;
}

async function directorySize(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const stat = await fs.lstat(path.join(entry.parentPath, entry.name)).catch(() => null);
    total += stat?.size ?? 0;
  }
  return total;
}

/** Runs a host administration command (mount, umount) with fixed arguments. */
export function command(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${file} ${args.join(' ')}: ${output.trim() || `exit ${code}`}`)),
    );
  });
}
