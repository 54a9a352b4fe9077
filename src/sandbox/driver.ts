import type { ExecOutcome, SandboxDriverName, SandboxLimits } from '../contracts/index.ts';

// The closed sets and limits are part of the API: they live in contracts, named here for drivers.
export {
  EgressRuleSchema,
  EXEC_OUTCOMES,
  type ExecOutcome,
  SANDBOX_DRIVERS,
  type SandboxDriverName,
  type SandboxLimits,
  SandboxLimitsSchema,
} from '../contracts/index.ts';

export interface SandboxSpec {
  /** Unique, `[a-z0-9-]`, chosen by the manager; names the sandbox's directories and container. */
  id: string;
  limits: SandboxLimits;
  /** Empty: no network at all, DNS included. */
  egress: readonly string[];
}

export interface ExecOptions {
  stdin?: string | Uint8Array;
  env?: Readonly<Record<string, string>>;
  /** Overrides the sandbox's `limits.timeoutMs` for this exec (never above it is not enforced). */
  timeoutMs?: number;
  /** Aborting kills the exec's process tree; the result says `aborted`. */
  signal?: AbortSignal;
}

export interface ExecResult {
  outcome: ExecOutcome;
  /** null when the process was killed by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout or stderr was cut at `maxOutputBytes`. */
  truncated: boolean;
  durationMs: number;
}

export interface SandboxStats {
  /** Bytes in the workspace. */
  workspaceBytes: number;
  /** Current and peak memory of the sandbox's cgroup, when the driver can read them. */
  memoryBytes?: number;
  memoryPeakBytes?: number;
  processes?: number;
  /** The sandbox was restarted after a limit killed it (its workspace kept). */
  restarts: number;
}

/**
 * One isolation technology (seed 000 SandboxManager: CreateSandbox / ExecuteInSandbox /
 * DestroySandbox / MonitorSandbox). Implementations never run the command on the host: if the
 * isolation cannot be set up, `create` throws and nothing runs.
 *
 * Files: `writeFile` / `readFile` take paths relative to the workspace; a path that leaves it
 * (`..`, an absolute path, or a symlink anywhere on the way) is refused with AppError
 * INVALID_REQUEST. `exec` never throws for what the command does: limits come back as outcomes.
 */
export interface SandboxDriver {
  readonly name: SandboxDriverName;
  /** Throws AppError UNAVAILABLE when the sandbox cannot be made (the message says why). */
  create(spec: SandboxSpec, signal?: AbortSignal): Promise<void>;
  exec(id: string, command: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  writeFile(id: string, path: string, content: Uint8Array | string): Promise<void>;
  readFile(id: string, path: string, maxBytes?: number): Promise<Uint8Array>;
  stats(id: string): Promise<SandboxStats>;
  /** Idempotent: destroying a missing sandbox is not an error. Kills every process, frees disk. */
  destroy(id: string): Promise<void>;
}
