import { parseJson } from '../../contracts/index.ts';
import {
  type ApprovalDecision,
  type RunContext,
  RunPaused,
  type RuntimeEvent,
  type StepExecution,
  type StepOptions,
  type TokenUsage,
} from '../ports.ts';

export type ApprovalScript = Readonly<Record<string, ApprovalDecision>>;

/** A step as the harness recorded it: what the orchestrator would keep in its steps table. */
export interface RecordedStep extends StepOptions {
  key: string;
  status: 'started' | 'completed' | 'failed';
  output?: unknown;
  error?: string;
  /** Executions of this step across all executions of the run. */
  attempts: number;
}

export interface InlineRunContextOptions {
  input: unknown;
  runId?: string;
  /** Steps an earlier execution of this run recorded (e.g. `earlier.steps`). */
  steps?: readonly RecordedStep[];
  /** Decisions by approval key; a key without one pauses the run with RunPaused('approval'). */
  approvals?: ApprovalScript;
  signal?: AbortSignal;
  /** recordUsage throws past this many tokens (input + output), like the agent's limits. */
  maxTokens?: number;
}

/**
 * TEST HARNESS for the runtimes' unit tests, not the orchestrator: a RunContext that runs steps
 * inline and records them in memory, honouring the replay contract the orchestrator implements
 * durably:
 * - a step whose key completed in an earlier execution (`steps` option) returns its recorded
 *   output without running again;
 * - a step found `started` (the worker died during it) runs again only if idempotent, with the
 *   same idempotency key; otherwise the run pauses `in_doubt` (RunPaused);
 * - a step key used twice in one execution is a bug in the runtime and throws.
 * Outputs go through JSON, as they would through a database column.
 */
export class InlineRunContext implements RunContext {
  readonly runId: string;
  readonly tenantId = 'tenant-test';
  readonly input: unknown;
  readonly signal: AbortSignal;
  /** This execution's steps in call order, replayed ones included (same objects as recorded). */
  readonly steps: RecordedStep[] = [];
  /** Keys whose `execute` ran in this execution. */
  readonly executed: string[] = [];
  /** Keys answered from the earlier record without running. */
  readonly replayed: string[] = [];
  readonly events: RuntimeEvent[] = [];
  readonly approvalRequests: { key: string; message: string; details?: unknown }[] = [];
  readonly usage: TokenUsage[] = [];

  private readonly earlier: ReadonlyMap<string, RecordedStep>;
  private readonly approvals: ApprovalScript;
  private readonly maxTokens: number;
  private readonly seen = new Set<string>();

  constructor(options: InlineRunContextOptions) {
    this.runId = options.runId ?? 'run-test';
    this.input = options.input;
    this.signal = options.signal ?? new AbortController().signal;
    this.earlier = new Map((options.steps ?? []).map((step) => [step.key, step]));
    this.approvals = options.approvals ?? {};
    this.maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
  }

  async step<T>(
    key: string,
    options: StepOptions,
    execute: (execution: StepExecution) => Promise<T>,
  ): Promise<T> {
    if (this.seen.has(key)) throw new Error(`harness: step key ${key} used twice in one execution`);
    this.seen.add(key);
    const earlier = this.earlier.get(key);
    if (earlier?.status === 'completed') {
      this.steps.push(earlier);
      this.replayed.push(key);
      return throughJson(earlier.output) as T;
    }
    if (earlier?.status === 'failed') throw new Error(earlier.error ?? `step ${key} failed`);
    if (earlier?.status === 'started' && !options.idempotent) {
      this.steps.push(earlier);
      throw new RunPaused('in_doubt', { step: key });
    }
    const record: RecordedStep = {
      ...options,
      key,
      status: 'started',
      attempts: (earlier?.attempts ?? 0) + 1,
    };
    this.steps.push(record);
    this.executed.push(key);
    // Like the orchestrator: the start event is written with the step's start, the end event
    // with its completion.
    if (options.startEvent) await this.emit(options.startEvent);
    try {
      const output = throughJson(
        await execute({ signal: this.signal, idempotencyKey: `${this.runId}:${key}` }),
      );
      record.status = 'completed';
      record.output = output;
      const end = options.endEvent?.(output);
      if (end) await this.emit(end);
      return output as T;
    } catch (error) {
      record.status = 'failed';
      record.error = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  async emit(event: RuntimeEvent): Promise<void> {
    this.events.push(event);
  }

  async awaitApproval(
    key: string,
    request: { message: string; details?: unknown },
  ): Promise<ApprovalDecision> {
    this.approvalRequests.push({ key, ...request });
    const decision = this.approvals[key];
    if (!decision) throw new RunPaused('approval', { key, message: request.message });
    return decision;
  }

  recordUsage(usage: TokenUsage): void {
    this.usage.push(usage);
    const total = this.usage.reduce((sum, entry) => sum + entry.inputTokens + entry.outputTokens, 0);
    if (total > this.maxTokens) throw new Error(`harness: run exceeded ${this.maxTokens} tokens`);
  }

  /** Events of one type, for assertions. */
  eventsOf<T extends RuntimeEvent['type']>(type: T): EventData[T][] {
    return this.events.flatMap((event) => (event.type === type ? [event.data as EventData[T]] : []));
  }
}

type EventData = { [E in RuntimeEvent as E['type']]: E['data'] };

function throughJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  const parsed = parseJson(JSON.stringify(value));
  if (!parsed.ok) throw new Error(`harness: step output is not JSON: ${parsed.error}`);
  return parsed.value;
}
