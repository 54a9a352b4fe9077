import type { AgentSpec } from '../contracts/index.ts';

/**
 * The ports agent runtimes use: how they reach models and tools, and how they record steps so a
 * run can resume after a crash without repeating what it already did.
 */

/** OpenAI chat-completions message, as the tool-calling protocol defines it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A tool as the model sees it (OpenAI `tools[]` entry). */
export interface ToolSchema {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSchema[];
  temperature?: number;
  maxTokens?: number;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ChatResult {
  /** The assistant message: text content and/or tool calls. */
  message: ChatMessage;
  finishReason: string;
  usage: TokenUsage;
}

/** Where a model call goes: resolved from the agent's `spec.model.backend` (a ModelBackend). */
export interface ModelTarget {
  backend: string;
  /** Base URL, e.g. http://127.0.0.1:8000/v1 (the client appends /chat/completions). */
  endpoint: string;
  apiKey?: string;
  /** Give up (ModelUnavailableError) when no answer arrives within this time; default 30 s. */
  timeoutMs: number;
  maxConcurrency?: number;
  /** `trust: external` on the ModelBackend: prompts leave the company, so PII is pseudonymized first. */
  external?: boolean;
  /** USD per 1,000 tokens (the backend's `cost_per_1k`), for the call's cost; absent: unpriced. */
  price?: { input: number; output: number };
  /**
   * Set when the agent names a model alias: the call goes through the model gateway (routing,
   * failover, caches, budgets, audit) as this run, and `endpoint` is unused.
   */
  gateway?: { tenantId: string; agent: string; runId: string; principal: string; model: string };
}

export interface ChatOptions {
  signal: AbortSignal;
  /** Stable per run step: sent as `Idempotency-Key`, so a retried call is recognisable upstream. */
  idempotencyKey: string;
  /** Called with each text delta when streaming; absent means a non-streaming call. */
  onToken?: (delta: string) => void;
}

/**
 * Chat completions against an OpenAI-compatible backend.
 * - Retries 429, 5xx and connection errors with exponential backoff and jitter (honouring
 *   Retry-After), within the target's timeout.
 * - Throws `ModelUnavailableError` when the backend cannot answer within the timeout or its
 *   circuit breaker is open; `ModelRequestError` for a non-retryable upstream answer (4xx);
 *   rethrows the AbortSignal's reason when aborted.
 */
export interface ModelClient {
  chat(target: ModelTarget, request: ChatRequest, options: ChatOptions): Promise<ChatResult>;
}

/** A tool the runtime may call, resolved from the agent's `spec.tools`. */
export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  /** Safe to call again with the same arguments and idempotency key after a crash. */
  idempotent: boolean;
  /** Hard to undo (blocks, deletes, shell): a tainted run asks a person before calling it. */
  destructive: boolean;
  /** Per-agent settings from the tool reference (`config:`), passed to every call. */
  config: Record<string, unknown>;
}

export interface ToolContent {
  type: 'text';
  text: string;
}

/** MCP's result shape. */
export interface ToolResult {
  content: ToolContent[];
  isError: boolean;
  /** Machine-readable output when the tool has one (workflows reference it). */
  structured?: unknown;
}

export interface ToolInvokeOptions {
  signal: AbortSignal;
  /** The run's tenant: registered tools are the tenant's own. */
  tenantId?: string | undefined;
  /** The run, for the call's records (absent for a direct call). */
  runId?: string | undefined;
  /** Who makes a direct call (absent for a run's call: the run's creator is asked for). */
  principal?: string | undefined;
  /** Stable per run step (run id + step key); idempotent tools pass it on (e.g. an HTTP header). */
  idempotencyKey: string;
  config: Record<string, unknown>;
}

/** Reference to a tool in an agent spec, normalised. */
export interface ToolRef {
  name: string;
  config?: Record<string, unknown>;
}

/**
 * Resolves and calls tools. `resolve` throws AppError INVALID_REQUEST naming an unknown tool.
 * `invoke` never throws for a tool-level failure: it returns `isError: true` with the message;
 * it throws only when aborted or for a platform fault.
 */
export interface ToolInvoker {
  /** `scope`: whose tools (registered tools are per tenant; built-ins are everyone's). */
  resolve(refs: readonly ToolRef[], scope?: { tenantId: string }): Promise<ToolDefinition[]>;
  invoke(name: string, args: unknown, options: ToolInvokeOptions): Promise<ToolResult>;
}

export const STEP_KINDS = ['model_call', 'tool_call', 'approval_wait', 'workflow_node'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export interface StepOptions {
  kind: StepKind;
  /** Model name, tool name or node id: what the step is, for people. */
  name: string;
  input: unknown;
  /** Whether the step may run again after a crash left it `started` (in doubt). */
  idempotent: boolean;
  /**
   * What the step returns when an operator skips it after a crash left it in doubt (default
   * null): a react tool call gives the model an error result; a workflow node continues with null.
   */
  skipped?: unknown;
  /** Written atomically with the step's start (e.g. tool_call): cheaper than a separate emit. */
  startEvent?: RuntimeEvent;
  /**
   * The model or tool call this step makes, for governance, when `kind` does not say it (a
   * workflow node): policy decides on the tool's name and arguments, not the node's.
   */
  call?: { kind: 'tool_call' | 'model_call'; name: string; args?: unknown };
  /** A tool that changes the world in a way that is hard to undo: a tainted run asks a person first. */
  destructive?: boolean;
  /**
   * The result to use instead of running the call when governance refuses it (`isError`) or
   * makes it a dry run: a react tool call tells the model. Without it a refused call ends the run.
   */
  substitute?: (note: string, isError: boolean) => unknown;
  /** Written atomically with the step's completion, from its output (e.g. tool_result). */
  endEvent?: (output: unknown) => RuntimeEvent | undefined;
}

export interface StepExecution {
  signal: AbortSignal;
  /** `<run id>:<step key>`: the same on every attempt of this step. */
  idempotencyKey: string;
  /** A policy's cap on the tokens this model call may generate. */
  maxTokens?: number;
}

/** Events a runtime emits while it works (the orchestrator adds the lifecycle ones). */
export type RuntimeEvent =
  | { type: 'step_thought'; data: { text: string; step?: string } }
  | { type: 'token'; data: { delta: string; step?: string } }
  | { type: 'tool_call'; data: { step: string; tool: string; arguments: unknown; callId?: string } }
  | { type: 'tool_result'; data: { step: string; tool: string; result: ToolResult; callId?: string } };

/**
 * What the orchestrator gives a runtime for one run. `step` is the durable boundary: a step whose
 * key already completed returns its recorded output without running again (so a resumed run
 * replays to where it stopped); a step found `started` after a crash runs again only if
 * idempotent, else the run pauses `in_doubt` (the call throws RunPaused).
 */
export interface RunContext {
  runId: string;
  tenantId: string;
  input: unknown;
  signal: AbortSignal;
  step<T>(key: string, options: StepOptions, execute: (execution: StepExecution) => Promise<T>): Promise<T>;
  emit(event: RuntimeEvent): Promise<void>;
  /** Pauses the run for a person (approval); resolves with their decision once resumed. */
  awaitApproval(key: string, request: ApprovalRequest): Promise<ApprovalDecision>;
  /** Counts tokens against the agent's limits; throws RunLimitExceeded past them. */
  recordUsage(usage: TokenUsage): void;
}

/** What a person is asked to decide, and who may (defaults: approver, operator or admin role; one; 7 days; reject). */
export interface ApprovalRequest {
  message: string;
  details?: unknown;
  approvers?: string[];
  minApprovals?: number;
  timeoutMs?: number;
  onTimeout?: 'reject' | 'approve';
}

export interface ApprovalDecision {
  approved: boolean;
  by: string;
  comment?: string;
}

/** Thrown out of a runtime to stop the run where it is, durably, until resumed. */
export class RunPaused extends Error {
  constructor(
    readonly reason: 'approval' | 'in_doubt',
    readonly details: Record<string, unknown>,
  ) {
    super(`run paused: ${reason}`);
    this.name = 'RunPaused';
  }
}

/**
 * A tool's server could not be reached, or went away during the call. `inDoubt`: the request had
 * been sent, so the call may have taken effect (a non-idempotent step pauses for a person); else
 * nothing happened and the call is safe to repeat.
 */
export class ToolUnavailableError extends Error {
  constructor(
    readonly tool: string,
    message: string,
    readonly inDoubt: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ToolUnavailableError';
  }
}

export class ModelUnavailableError extends Error {
  constructor(
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelUnavailableError';
  }
}

export class ModelRequestError extends Error {
  constructor(
    readonly backend: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ModelRequestError';
  }
}

/** An agent version made ready to run: its tools resolved, its model located, its session history. */
export interface PreparedAgent {
  name: string;
  version: number;
  spec: AgentSpec;
  tools: ToolDefinition[];
  /** Null when the agent's ModelBackend does not exist (a workflow without llm nodes needs none). */
  model: ModelTarget | null;
  /** Earlier messages of the run's session, oldest first, within the agent's memory limits. */
  history: ChatMessage[];
}

/** Executes one run of an agent against a RunContext; returns the run's output. */
export interface AgentRuntime {
  execute(ctx: RunContext, agent: PreparedAgent): Promise<unknown>;
}
