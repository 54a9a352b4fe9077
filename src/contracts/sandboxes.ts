import { z } from 'zod';
import { TimestampSchema } from './common.ts';

/** Drivers, strongest isolation first: `auto` picks the first that works on this host. */
export const SANDBOX_DRIVERS = ['gvisor', 'bubblewrap', 'kubernetes'] as const;
export type SandboxDriverName = (typeof SANDBOX_DRIVERS)[number];

/**
 * How an exec ended. `completed` means the command exited on its own (any exit code); the others
 * name the limit that stopped it. None of them is a hang: every limit ends the exec.
 */
export const EXEC_OUTCOMES = [
  'completed',
  'timeout',
  'cpu_limit',
  'oom',
  'output_truncated',
  'workspace_full',
  'aborted',
  'killed',
] as const;
export type ExecOutcome = (typeof EXEC_OUTCOMES)[number];

const MiB = 1024 * 1024;

/** Per-sandbox limits, enforced by the kernel (cgroups, rlimits, a sized tmpfs) where it can. */
export const SandboxLimitsSchema = z.strictObject({
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(30_000)
    .describe('Wall-clock limit of one exec; the whole process tree is killed at it'),
  cpuSeconds: z.number().int().min(1).max(3600).default(30).describe('CPU time of one exec (RLIMIT_CPU)'),
  memoryBytes: z
    .number()
    .int()
    .min(16 * MiB)
    .max(64 * 1024 * MiB)
    .default(512 * MiB)
    .describe('Memory of the whole sandbox (cgroup); a process past it is OOM-killed'),
  maxProcesses: z
    .number()
    .int()
    .min(4)
    .max(4096)
    .default(64)
    .describe('Processes and threads at once (pids cgroup)'),
  maxOutputBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * MiB)
    .default(MiB)
    .describe('stdout and stderr kept per exec, each; past it the exec is stopped and truncated'),
  workspaceBytes: z
    .number()
    .int()
    .min(MiB)
    .max(64 * 1024 * MiB)
    .default(256 * MiB)
    .describe('Size of the writable workspace (a sized tmpfs where the platform may mount one)'),
});
export type SandboxLimits = z.infer<typeof SandboxLimitsSchema>;

/** `host:port` pairs a sandbox may reach through the platform's egress proxy; none by default. */
export const EGRESS_RULE_PATTERN = /^(\*\.)?[A-Za-z0-9.-]+:(\d{1,5}|\*)$/;
export const EgressRuleSchema = z
  .string()
  .regex(EGRESS_RULE_PATTERN, 'must be host:port (a leading *. matches subdomains)');

export const SandboxCreateSchema = z
  .strictObject({
    limits: SandboxLimitsSchema.partial().optional().describe('Overrides of the installation defaults'),
    egress: z
      .array(EgressRuleSchema)
      .max(100)
      .optional()
      .describe('host:port the sandbox may reach through the egress proxy; none by default, DNS included'),
  })
  .describe('A sandbox to create');
export type SandboxCreate = z.infer<typeof SandboxCreateSchema>;

export const SandboxSchema = z.strictObject({
  id: z.string(),
  driver: z.enum(SANDBOX_DRIVERS),
  owner: z.string().describe('The principal that made it, or run:<id> for a code-interpreter session'),
  run_id: z.string().nullable(),
  limits: SandboxLimitsSchema,
  egress: z.array(z.string()),
  created_at: TimestampSchema,
  last_used_at: TimestampSchema,
  expires_at: TimestampSchema.describe(
    'Destroyed then unless used again (idle TTL), capped by the maximum lifetime',
  ),
  pooled: z.boolean().describe('Taken ready-made from the warm pool'),
  stats: z
    .strictObject({
      workspace_bytes: z.number().int(),
      memory_bytes: z.number().int().optional(),
      memory_peak_bytes: z.number().int().optional(),
      processes: z.number().int().optional(),
      restarts: z.number().int().describe('Restarts after a limit killed the sandbox (its workspace kept)'),
    })
    .optional(),
});
export type Sandbox = z.infer<typeof SandboxSchema>;

export const SandboxExecSchema = z
  .strictObject({
    command: z
      .array(z.string().max(128 * 1024))
      .min(1)
      .max(1024)
      .describe('argv; run directly, not through a shell'),
    stdin: z
      .string()
      .max(16 * 1024 * 1024)
      .optional(),
    env: z
      .record(z.string(), z.string().max(32 * 1024))
      .optional()
      .describe("Added to the sandbox's fixed environment"),
    timeout_ms: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .optional()
      .describe("At most the sandbox's timeout limit"),
  })
  .describe('A command to run in the sandbox');
export type SandboxExec = z.infer<typeof SandboxExecSchema>;

export const SandboxExecResultSchema = z.strictObject({
  outcome: z.enum(EXEC_OUTCOMES).describe('completed (any exit code), or the limit that stopped the command'),
  exit_code: z.number().int().nullable().describe('null when the process was killed'),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  duration_ms: z.number().int(),
});
export type SandboxExecResult = z.infer<typeof SandboxExecResultSchema>;

export const SandboxDriverStatusSchema = z.strictObject({
  driver: z
    .enum(SANDBOX_DRIVERS)
    .nullable()
    .describe('null: code execution is disabled on this installation'),
  reason: z.string().describe('Why this driver, or why none'),
  pool_available: z.number().int(),
});

/** `kind: Tool` with `type: sandbox`: a script run in a sandbox per call. */
export const SandboxToolConfigSchema = z.strictObject({
  language: z.enum(['python', 'javascript', 'bash']).describe('python3, node or bash, from the sandbox'),
  code: z
    .string()
    .min(1)
    .max(512 * 1024)
    .describe(
      "The script: it reads the call's arguments as JSON on stdin and prints the result (JSON or text)",
    ),
  timeoutSeconds: z.number().int().min(1).max(3600).optional().describe('Wall-clock limit of one call'),
});
export type SandboxToolConfig = z.infer<typeof SandboxToolConfigSchema>;
