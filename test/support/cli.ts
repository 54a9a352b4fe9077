import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: `node bin/actl` runs from here unless a test says otherwise. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ACTL_BIN = join(REPO_ROOT, 'bin', 'actl');

const RUN_TIMEOUT_MS = 60_000;

export interface ActlResult {
  /** The exit code; null if the process died from a signal (the timeout kills it with SIGKILL). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ActlOptions {
  /** Added to the clean environment (PATH, HOME, XDG_CONFIG_HOME). */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Working directory; the repository root by default. */
  cwd?: string;
}

/**
 * A clean home for the child: HOME and XDG_CONFIG_HOME point into one temp dir, so no test reads
 * or writes the developer's ~/.config/agenticai. Call `remove` when done; destroys the directory.
 */
export interface CliHome {
  home: string;
  configHome: string;
  env: Record<string, string>;
  remove(): void;
}

export function makeCliHome(): CliHome {
  const home = mkdtempSync(join(tmpdir(), 'actl-home-'));
  const configHome = join(home, '.config');
  return {
    home,
    configHome,
    env: { HOME: home, XDG_CONFIG_HOME: configHome },
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** The environment a child gets: PATH, a fresh HOME and XDG_CONFIG_HOME, then `extra` on top. */
function childEnv(extra: Record<string, string> | undefined): {
  env: Record<string, string>;
  cleanup: () => void;
} {
  const callerSetsHome = extra?.HOME !== undefined && extra.XDG_CONFIG_HOME !== undefined;
  const home = callerSetsHome ? undefined : makeCliHome();
  return {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      // Servers started by tests still probe for a sandbox driver, but keep no warm pool.
      AGENTICAI_SANDBOX_POOL_SIZE: '0',
      ...home?.env,
      ...extra,
    },
    cleanup: () => home?.remove(),
  };
}

/** Runs `node bin/actl ...args` as a real child process; never rejects on a non-zero exit. */
export function runActl(args: string[], options: ActlOptions = {}): Promise<ActlResult> {
  const { env, cleanup } = childEnv(options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ACTL_BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      cleanup();
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      cleanup();
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {
      // The child may exit before reading stdin (e.g. a usage error); that is not a test failure.
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A long-running actl (e.g. `actl up`) whose output the test can watch while it runs. */
export interface ActlProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  exited: Promise<number | null>;
  /** Sends SIGKILL if it is still running (cleanup after a failed test). */
  kill(): void;
}

/** Starts `node bin/actl ...args` in the background with the same clean environment as runActl. */
export function startActl(args: string[], options: Omit<ActlOptions, 'input'> = {}): ActlProcess {
  const { env, cleanup } = childEnv(options.env);
  const child = spawn(process.execPath, [ACTL_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      cleanup();
      resolve(code);
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** A port that was free a moment ago: bind port 0, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('no port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Rejects if `promise` has not settled within `ms` (a hang guard, not a timing assertion). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls GET url until it answers 200; throws after `ms` or if `alive()` turns false. */
export async function waitForOk(url: string, ms: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`process exited before ${url} answered 200 (last: ${last})`);
    try {
      const response = await fetch(url);
      last = `HTTP ${response.status}`;
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer 200 within ${ms} ms (last: ${last})`);
}
