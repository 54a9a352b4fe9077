import { z } from 'zod';

/**
 * Span names of a run's trace (seed 004 §17.1). A run's tree: `Run` (one per execution; a run
 * that paused and resumed has one for each) → `Orchestrator.Plan` (agent, tools, model and
 * history resolved) and `Agent.Step` (one per think or act step) → `PDP.Evaluate` (the policy
 * decision for the step's call) and `LLM.Invoke` / `Tool.Execute` → `Sandbox.Exec`.
 */
export const SPAN_NAMES = {
  run: 'Run',
  plan: 'Orchestrator.Plan',
  pdp: 'PDP.Evaluate',
  step: 'Agent.Step',
  llm: 'LLM.Invoke',
  tool: 'Tool.Execute',
  sandbox: 'Sandbox.Exec',
} as const;

/**
 * Attribute keys. OpenTelemetry GenAI semantic conventions (`gen_ai.*`) first; seed 004's names
 * (`llm.*`, `tool.*`) are written too, as aliases with the same values.
 */
export const SPAN_ATTRIBUTES = {
  runId: 'run.id',
  agentId: 'agent.id',
  agentVersion: 'agent.version',
  userId: 'user.id',
  tenantId: 'tenant.id',
  runStatus: 'run.status',
  runReason: 'run.reason',
  stepKey: 'step.key',
  stepKind: 'step.kind',
  stepName: 'step.name',
  stepAttempt: 'step.attempt',
  pdpAction: 'pdp.action',
  pdpDecision: 'pdp.decision',
  pdpRule: 'pdp.rule',
  userGroup: 'user.group',
  genAiOperation: 'gen_ai.operation.name',
  genAiSystem: 'gen_ai.system',
  genAiRequestModel: 'gen_ai.request.model',
  genAiResponseModel: 'gen_ai.response.model',
  genAiInputTokens: 'gen_ai.usage.input_tokens',
  genAiOutputTokens: 'gen_ai.usage.output_tokens',
  genAiFinishReasons: 'gen_ai.response.finish_reasons',
  genAiToolName: 'gen_ai.tool.name',
  genAiInputMessages: 'gen_ai.input.messages',
  genAiOutputMessages: 'gen_ai.output.messages',
  llmModel: 'llm.model',
  llmPromptTokens: 'llm.prompt_tokens',
  llmCompletionTokens: 'llm.completion_tokens',
  costUsd: 'agenticai.cost_usd',
  cache: 'agenticai.cache',
  route: 'agenticai.route',
  toolName: 'tool.name',
  toolInputSize: 'tool.input_size',
  toolType: 'tool.type',
  toolOutcome: 'tool.outcome',
  sandboxId: 'sandbox.id',
  sandboxDriver: 'sandbox.driver',
  sandboxOutcome: 'sandbox.outcome',
  sandboxExitCode: 'sandbox.exit_code',
} as const;

/** OTEL_TRACES_SAMPLER values (OpenTelemetry's environment specification). */
export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/** Attributes a span passes down to the spans started under it (what the trace store keys on). */
export const INHERITED_SPAN_ATTRIBUTES = [
  SPAN_ATTRIBUTES.runId,
  SPAN_ATTRIBUTES.tenantId,
  SPAN_ATTRIBUTES.agentId,
  SPAN_ATTRIBUTES.userId,
] as const;

export const TraceSpanSchema = z.object({
  span_id: z.string(),
  parent_span_id: z.string().nullable().describe('null for a root, or a span outside this trace store'),
  name: z.string(),
  kind: z.string(),
  start_time: z.iso.datetime(),
  duration_ms: z.number(),
  status: z.enum(['unset', 'ok', 'error']),
  status_message: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  events: z.array(
    z.object({ name: z.string(), time: z.iso.datetime(), attributes: z.record(z.string(), z.unknown()) }),
  ),
});

export const RunTraceSchema = z.object({
  run_id: z.string(),
  trace_id: z.string(),
  spans: z.array(TraceSpanSchema).describe('Ordered by start time; parents before their children'),
  totals: z.object({
    spans: z.number().int(),
    duration_ms: z.number().describe('From the first span start to the last span end'),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    cost_usd: z.number(),
  }),
});

export const USAGE_GROUPS = ['tenant', 'agent', 'model', 'principal', 'day'] as const;

const DateOnly = z.iso.date();

export const UsageQuerySchema = z.object({
  group_by: z
    .enum(USAGE_GROUPS)
    .default('model')
    .describe('What each row totals: tenant, agent, model, principal or day'),
  from: z
    .union([DateOnly, z.iso.datetime()])
    .optional()
    .describe('First day (UTC), inclusive; default 30 days ago'),
  to: z.union([DateOnly, z.iso.datetime()]).optional().describe('Last day (UTC), inclusive; default today'),
  tenant: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe(
      'A tenant name; platform admins may name any (default: all for group_by=tenant, else their own)',
    ),
});
export type UsageQuery = z.infer<typeof UsageQuerySchema>;

export const UsageRowSchema = z.object({
  key: z.string().describe('The tenant, agent, model, principal or day'),
  calls: z.number().int(),
  errors: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost_usd: z.number(),
  unpriced_calls: z.number().int().describe('Calls to backends without cost_per_1k: their cost is unknown'),
});

export const BudgetStatusSchema = z.object({
  policy: z.string(),
  rule: z.string(),
  scope: z.string().describe('tenant, agent, principal or run'),
  window: z.string(),
  limit_usd: z.number().nullable(),
  limit_tokens: z.number().nullable(),
  spent_usd: z.number().nullable(),
  spent_tokens: z.number().nullable(),
  remaining_usd: z.number().nullable(),
  remaining_tokens: z.number().nullable(),
});

export const UsageReportSchema = z.object({
  group_by: z.enum(USAGE_GROUPS),
  from: z.iso.date(),
  to: z.iso.date(),
  rows: z.array(UsageRowSchema),
  totals: UsageRowSchema.omit({ key: true }),
  forecast: z
    .object({
      month: z.string().describe('YYYY-MM, the current month (UTC)'),
      month_to_date_usd: z.number(),
      forecast_usd: z.number().describe('Month to date plus the expected spend of the days left'),
      method: z.string(),
      trailing_days: z.number().int(),
    })
    .describe("The tenant's spend forecast for the current month, from its trailing daily usage"),
  budgets: z.array(BudgetStatusSchema).describe("The tenant's budgets from its policies, with what is left"),
});
export type UsageReport = z.infer<typeof UsageReportSchema>;
export type RunTrace = z.infer<typeof RunTraceSchema>;
export type TraceSpan = z.infer<typeof TraceSpanSchema>;
export type BudgetStatus = z.infer<typeof BudgetStatusSchema>;

/** One ended span as the built-in trace store keeps it (written by telemetry, read by the store). */
export interface SpanRecord {
  tenantId: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  runId: string | null;
  name: string;
  kind: string;
  startTime: Date;
  durationUs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage: string | null;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; time: string; attributes: Record<string, unknown> }>;
}

/** Model usage to add to a day's roll-up (one call, or several of the same key). */
export interface UsageRecord {
  tenantId: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** The agent, or `none` for API callers (as in `agent_token_usage`). */
  agent: string;
  model: string;
  principal: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpricedCalls: number;
}
