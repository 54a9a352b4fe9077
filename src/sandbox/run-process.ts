import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';

export interface ProcessRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stdout as it came, for callers that read files through it (binary safe). */
  stdoutBytes: Buffer;
  stderr: string;
  truncated: boolean;
  /** Set when the program could not be started at all (exitCode is then 127). */
  startError?: Error;
  /** Why we killed it; null when it ended on its own. */
  stoppedFor: 'timeout' | 'output_truncated' | 'aborted' | null;
  durationMs: number;
}

export interface ProcessOptions {
  stdin?: string | Uint8Array | undefined;
  /** Extra file descriptors from 3 on, written and closed at start (bwrap's seccomp program). */
  extraInputs?: readonly Uint8Array[];
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal | undefined;
  /** Called once when we stop the process for a limit, after its group got SIGKILL. */
  onKill?: () => Promise<void> | void;
  /**
   * Keep the platform's environment (kubectl needs KUBECONFIG, HOME). By default a launcher gets
   * only a fixed PATH, so nothing of the platform's environment leaks into a sandbox.
   */
  inheritEnvironment?: boolean;
}

/**
 * Runs an isolation launcher (bwrap, runsc exec) and keeps at most `maxOutputBytes` of each
 * stream. Past a limit it kills the launcher's whole process group at once; it never waits on a
 * command that will not end. Never rejects for what the command does.
 */
export function runProcess(
  file: string,
  args: readonly string[],
  options: ProcessOptions,
): Promise<ProcessRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const extra = options.extraInputs ?? [];
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe', ...extra.map(() => 'pipe' as const)],
      detached: true,
      ...(options.inheritEnvironment ? {} : { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } }),
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const sizes = { stdout: 0, stderr: 0 };
    let truncated = false;
    let stoppedFor: ProcessRun['stoppedFor'] = null;
    let killing: Promise<void> | undefined;

    const stop = (reason: NonNullable<ProcessRun['stoppedFor']>) => {
      if (stoppedFor) return;
      stoppedFor = reason;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
      killing = Promise.resolve(options.onKill?.()).catch(() => undefined);
    };
    const keep = (stream: 'stdout' | 'stderr', into: Buffer[]) => (chunk: Buffer) => {
      const room = options.maxOutputBytes - sizes[stream];
      // Earlier chunks filled the cap exactly: this byte is past it. Returning without stopping
      // would let the command write on unbounded (until the timeout) and report no truncation.
      if (room <= 0) {
        truncated = true;
        stop('output_truncated');
        return;
      }
      into.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      sizes[stream] += Math.min(chunk.length, room);
      if (chunk.length > room) {
        truncated = true;
        stop('output_truncated');
      }
    };
    child.stdout?.on('data', keep('stdout', stdout));
    child.stderr?.on('data', keep('stderr', stderr));

    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    extra.forEach((content, index) => {
      const pipe = child.stdio[3 + index] as Writable | null;
      pipe?.on('error', () => undefined);
      pipe?.end(content);
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.stdin ?? '');

    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const stdoutBytes = Buffer.concat(stdout);
      void Promise.resolve(killing).then(() =>
        resolve({
          exitCode: spawnError ? 127 : code,
          signal,
          stdout: stdoutBytes.toString('utf8'),
          stdoutBytes,
          stderr: spawnError
            ? `cannot start ${file}: ${spawnError.message}`
            : Buffer.concat(stderr).toString('utf8'),
          truncated,
          stoppedFor,
          ...(spawnError ? { startError: spawnError } : {}),
          durationMs: Math.round(performance.now() - started),
        }),
      );
    });
  });
}
