import { ApiError, ConnectionError } from '../contracts/index.ts';

export const EXIT = { ok: 0, error: 1, usage: 2, notFound: 3, denied: 4, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Ends a command with this exit code when what it had to say is already printed (a followed run
 * that failed: exit 1; Ctrl-C: 130). runCli prints nothing more for it.
 */
export class CommandExit extends Error {
  readonly code: number;
  readonly reported = true;
  /** Any 0–255: `actl sandbox exec` exits with its command's own code. */
  constructor(code: ExitCode | number) {
    super(`exit ${code}`);
    this.name = 'CommandExit';
    this.code = code;
  }
}

/** A mistake in how actl was called (bad flag value, missing file): exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code for an error: 3 not found, 4 unauthenticated or denied, 2 usage, 1 anything else. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommandExit) return error.code;
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof ApiError) {
    if (error.status === 404) return EXIT.notFound;
    if (error.status === 401 || error.status === 403) return EXIT.denied;
    return EXIT.error;
  }
  if (error instanceof ConnectionError) return EXIT.error;
  return EXIT.error;
}

/** One or more lines for stderr: the server's problem detail and each field at fault, never a stack. */
export function describeError(error: unknown, sourceOf?: (pointer: string) => string): string {
  if (error instanceof ApiError) {
    const lines = [`error: ${error.problem.detail} (${error.problem.code}, HTTP ${error.status})`];
    for (const field of error.problem.errors ?? []) {
      const where = sourceOf ? sourceOf(field.pointer) : field.pointer || '/';
      lines.push(`  ${where}: ${field.detail}`);
    }
    if (error.status === 401)
      lines.push('hint: set AGENTICAI_API_KEY or pass --api-key (actl up prints one)');
    return lines.join('\n');
  }
  if (error instanceof ConnectionError) {
    return `error: ${error.message}\nhint: start the platform with "npm start" or set AGENTICAI_SERVER / --server`;
  }
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}
