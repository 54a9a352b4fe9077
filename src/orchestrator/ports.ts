import type { ResolveAction, RunEventType, RunStatus, SessionConcurrency } from '../contracts/index.ts';

export interface UsageRecord {
  inputTokens: number;
  outputTokens: number;
}

export interface RunErrorRecord {
  code: string;
  message: string;
}

/** An operator's answer to a paused run, applied by the worker that resumes it. */
export interface Resolution {
  action: ResolveAction;
  by: string;
  comment?: string | undefined;
  /** The step the pause was about. */
  step?: string | undefined;
}

export interface RunRecord {
  id: string;
  tenantId: string;
  agentName: string;
  agentVersion: number;
  sessionId: string | null;
  status: RunStatus;
  statusReason: string | null;
  input: unknown;
  output: unknown;
  error: RunErrorRecord | null;
  metadata: Record<string, string>;
  idempotencyKey: string | null;
  createdBy: string;
  traceId: string;
  /** The client's span (W3C traceparent) the run's root span hangs under; null: the run is the root. */
  parentSpanId: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  /** The agent's limits.timeout when the run was created; null: none. */
  timeoutMs: number | null;
  deadlineAt: Date | null;
  pausedAt: Date | null;
  generation: number;
  cancelRequested: boolean;
  /** Who asked to cancel a running run, and why (the worker reports it when it stops). */
  cancelRequest: { by: string; reason?: string | undefined } | null;
  resolution: Resolution | null;
  stepCount: number;
  usage: UsageRecord;
  /** Seq of the run's latest event (0: none yet). */
  eventSeq: number;
}

export const STEP_RECORD_STATUSES = ['started', 'completed', 'failed'] as const;
export type StepStatus = (typeof STEP_RECORD_STATUSES)[number];

export interface StepRecord {
  runId: string;
  key: string;
  seq: number;
  kind: string;
  name: string;
  status: StepStatus;
  input: unknown;
  output: unknown;
  error: RunErrorRecord | null;
  idempotencyKey: string;
  attempt: number;
  usage: UsageRecord;
  traceId: string;
  startedAt: Date;
  endedAt: Date | null;
}

export interface EventRecord {
  runId: string;
  seq: number;
  type: RunEventType;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface SessionRecord {
  id: string;
  agentName: string | null;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

export interface SessionMessageRecord {
  seq: number;
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: unknown;
  runId: string | null;
  createdAt: Date;
}

export interface NewRun {
  id: string;
  agentName: string;
  agentVersion: number;
  sessionId: string | null;
  input: unknown;
  metadata: Record<string, string>;
  idempotencyKey: string | null;
  requestHash: string | null;
  createdBy: string;
  traceId: string;
  parentSpanId?: string | null;
  createdAt: Date;
  timeoutMs: number | null;
}

export interface CreateRunOptions {
  /** What to do when the session already has a run in progress. */
  concurrency: SessionConcurrency;
}

export interface RunFilter {
  agent?: string | undefined;
  status?: RunStatus | undefined;
  sessionId?: string | undefined;
}

/** The lease a worker holds on a run: every write it makes carries it, and fails once it is stale. */
export interface Fence {
  tenantId: string;
  runId: string;
  generation: number;
}

export interface EventDraft {
  type: RunEventType;
  data: Record<string, unknown>;
}

export interface TransitionChange {
  to: RunStatus;
  reason?: string | null;
  output?: unknown;
  error?: RunErrorRecord | null;
  startedAt?: Date;
  endedAt?: Date;
  deadlineAt?: Date | null;
  pausedAt?: Date | null;
  /** Clear the resolution once the worker has applied it. */
  clearResolution?: boolean;
  /** Give the lease back (terminal and paused runs). */
  releaseLease?: boolean;
  usage?: UsageRecord;
  /** Messages to append to the run's session, atomically with the transition. */
  sessionMessages?: Array<Pick<SessionMessageRecord, 'role' | 'content'>>;
}

export interface NewStep {
  key: string;
  kind: string;
  name: string;
  input: unknown;
  idempotencyKey: string;
  traceId: string;
  startedAt: Date;
}

export interface StepOutcome {
  status: 'completed' | 'failed';
  output?: unknown;
  error?: RunErrorRecord | null;
  usage?: UsageRecord;
  endedAt: Date;
}

/** Thrown when a worker's lease on a run was taken over: it must stop touching the run. */
export class LeaseLostError extends Error {
  constructor(readonly runId: string) {
    super(`lease on run ${runId} lost`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Runs as the API sees them, within one tenant. Throws NOT_FOUND for another tenant's run.
 */
export interface RunStore {
  /**
   * Creates the run in one transaction, with its session when new. An idempotency key already
   * used returns that run (`created: false`) if `requestHash` matches, else throws CONFLICT. A busy
   * session follows `concurrency`: reject throws CONFLICT naming the busy run; enqueue waits
   * behind it; interrupt also asks the busy run to cancel.
   */
  create(
    tenantId: string,
    run: NewRun,
    options: CreateRunOptions,
  ): Promise<{ run: RunRecord; created: boolean }>;
  get(tenantId: string, id: string): Promise<RunRecord | null>;
  /** Newest first; `after` is the id of the last run of the previous page. */
  list(
    tenantId: string,
    filter: RunFilter,
    page: { limit: number; after?: string | undefined },
  ): Promise<RunRecord[]>;
  /**
   * Pending and paused runs end `cancelled` at once; a running one is flagged and its worker told
   * (it aborts in-flight calls and ends the run). Throws CONFLICT for a finished run.
   */
  requestCancel(tenantId: string, id: string, by: string, reason: string | undefined): Promise<RunRecord>;
  /** Resumes a paused run with an operator's answer. Throws CONFLICT unless paused. */
  resolve(tenantId: string, id: string, resolution: Resolution): Promise<RunRecord>;
  steps(tenantId: string, runId: string): Promise<StepRecord[]>;
  /** Events with seq > after, in order. */
  events(tenantId: string, runId: string, after: number, limit: number): Promise<EventRecord[]>;
  createSession(tenantId: string, session: SessionRecord): Promise<SessionRecord>;
  getSession(tenantId: string, id: string): Promise<SessionRecord | null>;
  sessionMessages(
    tenantId: string,
    sessionId: string,
    options?: { last?: number },
  ): Promise<SessionMessageRecord[]>;
}

export interface ClaimedRun {
  run: RunRecord;
  fence: Fence;
}

/**
 * The durable queue and the writes of the worker that holds a run's lease. Claims are
 * platform-level (any tenant); every write is fenced by the lease generation and throws
 * LeaseLostError once another worker took the run over.
 */
export interface RunQueue {
  /** Leases the oldest runnable run (FOR UPDATE SKIP LOCKED), or returns null. */
  claim(workerId: string, leaseMs: number): Promise<ClaimedRun | null>;
  /** Extends the lease; `held: false` when lost. Also reports a cancel request. */
  heartbeat(fence: Fence, leaseMs: number): Promise<{ held: boolean; cancelRequested: boolean }>;
  /** Moves the run (legal moves only), with its event, in one transaction. */
  transition(fence: Fence, change: TransitionChange, event?: EventDraft): Promise<void>;
  /**
   * Records a step as started — a new one (`newStep`, counted against the run's steps), or attempt
   * n+1 of one left started — with its events, in one atomic write.
   */
  beginStep(fence: Fence, step: NewStep, events: EventDraft[], newStep: boolean): Promise<StepRecord>;
  /** Records a step's outcome and usage with its events, in one atomic write. */
  finishStep(fence: Fence, key: string, outcome: StepOutcome, events: EventDraft[]): Promise<void>;
  /** Appends events with consecutive seqs in one write; returns the last seq. */
  appendEvents(fence: Fence, events: EventDraft[]): Promise<number>;
  steps(fence: Fence): Promise<StepRecord[]>;
  /** The latest messages of a session before this run, oldest first. */
  history(fence: Fence, sessionId: string, limit: number): Promise<SessionMessageRecord[]>;
  /** The run as stored now (for a worker that lost a race to a cancel). */
  current(fence: Fence): Promise<RunRecord | null>;
}

/** Wake-ups and fan-out between processes (Postgres NOTIFY; PGlite's in-process NOTIFY). */
export interface Signals {
  /** Workers: a run became runnable. */
  onRunnable(handler: () => void): Promise<() => Promise<void>>;
  /** SSE: a run has new events (up to seq). */
  onRunEvents(handler: (runId: string, seq: number) => void): Promise<() => Promise<void>>;
  /** Workers: a run was asked to stop. */
  onRunControl(handler: (runId: string) => void): Promise<() => Promise<void>>;
}
