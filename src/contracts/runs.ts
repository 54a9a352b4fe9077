import { z } from 'zod';
import { NameSchema, TimestampSchema } from './common.ts';

/**
 * Runs, steps, events and sessions use snake_case fields, like the agent-run APIs our users know
 * (OpenAI, LangGraph): `session_id`, `idempotency_key`, `created_at`.
 */

export const RUN_STATUSES = [
  'pending',
  'running',
  'paused',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'timed_out'];

export const RUN_EVENT_TYPES = [
  'run_started',
  'step_thought',
  'token',
  'tool_call',
  'tool_result',
  'governance_intervention',
  'run_paused',
  'run_resumed',
  'run_completed',
  'run_failed',
  'run_cancelled',
] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];
export const TERMINAL_EVENT_TYPES: readonly RunEventType[] = ['run_completed', 'run_failed', 'run_cancelled'];

export const STEP_STATUSES = ['started', 'completed', 'failed'] as const;
export const RUN_STEP_KINDS = ['model_call', 'tool_call', 'approval_wait', 'workflow_node'] as const;

export const SessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'session ids are 1-128 letters, digits, _ . : -')
  .describe('Conversation id; a new one is created on first use');

export const ChatMessageInputSchema = z.strictObject({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().max(1_000_000).nullable(),
  name: z.string().max(128).optional(),
  tool_call_id: z.string().max(128).optional(),
});

export const RunInputSchema = z
  .union([
    z.string().max(1_000_000).describe('The user message'),
    z.strictObject({ messages: z.array(ChatMessageInputSchema).min(1).max(1000) }),
    z.record(z.string(), z.unknown()).describe('Structured input, for workflow agents (${input.field})'),
  ])
  .describe('A user message, {messages: [...]}, or a JSON object for workflows');

export const RunCreateSchema = z.strictObject({
  input: RunInputSchema,
  stream: z.boolean().optional().describe('Answer with the Server-Sent Event stream instead of the run'),
  idempotency_key: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Same key and body: the same run (also the Idempotency-Key header)'),
  metadata: z.record(z.string().max(128), z.string().max(4096)).optional(),
  version: z.number().int().min(1).optional().describe('Agent version; default the active (published) one'),
  session_id: SessionIdSchema.optional(),
});
export type RunCreate = z.infer<typeof RunCreateSchema>;

export const UsageSchema = z.strictObject({
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
});

export const RunErrorSchema = z.strictObject({ code: z.string(), message: z.string() });

export const RunSchema = z.strictObject({
  id: z.string(),
  agent: NameSchema,
  agent_version: z.number().int(),
  session_id: z.string().nullable(),
  status: z.enum(RUN_STATUSES),
  status_reason: z
    .string()
    .nullable()
    .describe('Why it is paused or ended: approval, in_doubt, model_unavailable, max_steps, cancelled, ...'),
  input: z.unknown(),
  output: z.unknown().nullable(),
  error: RunErrorSchema.nullable(),
  metadata: z.record(z.string(), z.string()),
  idempotency_key: z.string().nullable(),
  trace_id: z.string(),
  usage: UsageSchema,
  step_count: z.number().int(),
  created_by: z.string(),
  created_at: TimestampSchema,
  started_at: TimestampSchema.nullable(),
  ended_at: TimestampSchema.nullable(),
  updated_at: TimestampSchema,
});
export type Run = z.infer<typeof RunSchema>;

export const RunStepSchema = z.strictObject({
  run_id: z.string(),
  seq: z.number().int(),
  key: z.string().describe('Stable within the run, e.g. model:2 or node:lookup'),
  kind: z.enum(RUN_STEP_KINDS),
  name: z.string(),
  status: z.enum(STEP_STATUSES),
  input: z.unknown(),
  output: z.unknown().nullable(),
  error: RunErrorSchema.nullable(),
  idempotency_key: z.string(),
  attempt: z.number().int(),
  usage: UsageSchema,
  trace_id: z.string(),
  started_at: TimestampSchema,
  ended_at: TimestampSchema.nullable(),
  duration_ms: z.number().nullable(),
});
export type RunStep = z.infer<typeof RunStepSchema>;

/** One persisted event; `seq` is its SSE id, so `Last-Event-ID` resumes after it. */
export const RunEventSchema = z.strictObject({
  run_id: z.string(),
  seq: z.number().int().min(1),
  type: z.enum(RUN_EVENT_TYPES),
  data: z.record(z.string(), z.unknown()),
  created_at: TimestampSchema,
});
export type RunEvent = z.infer<typeof RunEventSchema>;

/** Payloads per event type, for the OpenAPI document and clients. */
export const RUN_EVENT_PAYLOADS = {
  run_started: z.object({
    run_id: z.string(),
    agent: z.string(),
    agent_version: z.number(),
    trace_id: z.string(),
  }),
  step_thought: z.object({ text: z.string(), step: z.string().optional() }),
  token: z.object({ delta: z.string(), step: z.string().optional() }),
  tool_call: z.object({
    step: z.string(),
    tool: z.string(),
    arguments: z.unknown(),
    call_id: z.string().optional(),
  }),
  tool_result: z.object({
    step: z.string(),
    tool: z.string(),
    result: z.unknown(),
    call_id: z.string().optional(),
  }),
  governance_intervention: z.object({
    rule: z.string().describe('The policy rule that decided (policy/section/rule)'),
    decision: z
      .string()
      .describe(
        'deny, require_approval, rejected, dry_run, flagged (content flagged by the guard) or blocked',
      ),
    reason: z.string().optional(),
    step: z.string().optional(),
    tool: z.string().optional(),
    approval_id: z.string().optional().describe('With require_approval: the approval to decide'),
  }),
  run_paused: z.object({ reason: z.string(), step: z.string().optional(), details: z.unknown().optional() }),
  run_resumed: z.object({ action: z.string(), by: z.string() }),
  run_completed: z.object({ output: z.unknown(), usage: UsageSchema }),
  run_failed: z.object({ reason: z.string(), error: RunErrorSchema, output: z.unknown().optional() }),
  run_cancelled: z.object({ by: z.string().optional(), reason: z.string().optional() }),
} as const satisfies Record<RunEventType, z.ZodType>;

export const RunListQuerySchema = z.object({
  agent: NameSchema.optional(),
  status: z.enum(RUN_STATUSES).optional(),
  session_id: SessionIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
});

export const RESOLVE_ACTIONS = ['retry', 'skip', 'approve', 'reject'] as const;
export type ResolveAction = (typeof RESOLVE_ACTIONS)[number];

export const RunResolveSchema = z.strictObject({
  action: z
    .enum(RESOLVE_ACTIONS)
    .describe(
      'in_doubt: retry (run the call again) or skip (continue without it); approval: approve or reject',
    ),
  comment: z.string().max(4096).optional(),
});

export const RunCancelSchema = z.strictObject({ reason: z.string().max(1024).optional() });

export const SessionSchema = z.strictObject({
  id: z.string(),
  agent: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type Session = z.infer<typeof SessionSchema>;

export const SessionCreateSchema = z.strictObject({
  id: SessionIdSchema.optional().describe('Default: a generated id'),
  agent: NameSchema.optional(),
  metadata: z.record(z.string().max(128), z.string().max(4096)).optional(),
});

export const SessionMessageSchema = z.strictObject({
  seq: z.number().int(),
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.unknown(),
  run_id: z.string().nullable(),
  created_at: TimestampSchema,
});
export type SessionMessage = z.infer<typeof SessionMessageSchema>;
