import type { Tracer } from '@opentelemetry/api';
import { abortableSleep, type Clock, NO_TELEMETRY } from '../core/index.ts';
import type {
  ApprovalDecision,
  ApprovalRequest,
  RunContext,
  RuntimeEvent,
  StepExecution,
  StepOptions,
  TokenUsage,
} from '../runtime/index.ts';
import { RunPaused, ToolUnavailableError } from '../runtime/index.ts';
import { RunLimitExceeded } from './errors.ts';
import type { RunGovernance } from './governance.ts';
import type { EventDraft, Fence, Resolution, RunQueue, StepRecord } from './ports.ts';
import { type Decided, RunGovernor } from './run-governor.ts';
import { toEventDraft } from './runtime-events.ts';
import { governedCall, inStepSpan } from './step-calls.ts';

export interface RunLimits {
  maxSteps: number;
  maxTokens: number | null;
}

const TOKEN_FLUSH_MS = 50;
/** Tries of a tool call whose server cannot be reached (or went away), and the first pause between them. */
const TOOL_TRIES = 3;
const TOOL_RETRY_MS = 500;

/**
 * The RunContext a worker gives a runtime. Steps are the durable boundary: a completed step is
 * replayed from its record; a step left `started` by a crash runs again only when idempotent (or
 * an operator said retry), is skipped when the operator said skip, and otherwise pauses the run
 * `in_doubt`. Token deltas are coalesced (every 50 ms) into `token` events.
 */
export class DurableRunContext implements RunContext {
  readonly #steps: Map<string, StepRecord>;
  #stepCount: number;
  #tokens: { used: number; total: TokenUsage; pending: TokenUsage };
  #tokenBuffer = '';
  #tokenStep: string | undefined;
  #tokenTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #failure: unknown;
  #resolutionUsed = false;
  readonly #governor: RunGovernor | null;

  constructor(
    private readonly queue: RunQueue,
    private readonly fence: Fence,
    private readonly clock: Clock,
    readonly input: unknown,
    readonly signal: AbortSignal,
    private readonly traceId: string,
    private readonly limits: RunLimits,
    private readonly resolution: Resolution | null,
    steps: readonly StepRecord[],
    used: TokenUsage,
    private readonly governance: RunGovernance | null = null,
    private readonly tracer: Tracer = NO_TELEMETRY.tracer,
  ) {
    this.#governor = governance
      ? new RunGovernor(governance, async (data) => {
          await this.queue.appendEvents(this.fence, [
            ...(await this.#takeTokens()),
            { type: 'governance_intervention', data },
          ]);
        })
      : null;
    this.#steps = new Map(steps.map((step) => [step.key, step]));
    this.#stepCount = steps.length;
    this.#tokens = {
      used: used.inputTokens + used.outputTokens,
      total: { ...used },
      pending: { inputTokens: 0, outputTokens: 0 },
    };
  }

  get runId(): string {
    return this.fence.runId;
  }

  get tenantId(): string {
    return this.fence.tenantId;
  }

  /** The operator's decision for the step the run paused at: used once (a retry that fails again asks again). */
  #resolutionFor(key: string): Resolution | null {
    if (!this.resolution || this.#resolutionUsed || this.resolution.step !== key) return null;
    this.#resolutionUsed = true;
    return this.resolution;
  }

  /**
   * One step, in an `Agent.Step` span (a step replayed from its record has none: it did not run
   * again). A pause (approval, in doubt) ends the span without an error.
   */
  step<T>(key: string, options: StepOptions, execute: (execution: StepExecution) => Promise<T>): Promise<T> {
    const existing = this.#steps.get(key);
    if (existing?.status === 'completed') return this.#step(key, options, execute, 1);
    return inStepSpan(this.tracer, key, options, existing, () => this.#step(key, options, execute, 1));
  }

  async #step<T>(
    key: string,
    options: StepOptions,
    execute: (execution: StepExecution) => Promise<T>,
    tries: number,
  ): Promise<T> {
    this.signal.throwIfAborted();
    const existing = this.#steps.get(key);
    const governed = this.governance ? governedCall(key, options, existing) : null;
    if (existing?.status === 'completed') {
      // Replayed tool output is inspected again: that rebuilds the run's taint after a restart.
      if (governed?.kind === 'tool_call')
        await this.governance?.inspect(existing.output, 'tool', key, { replay: true });
      return existing.output as T;
    }
    const resolution = this.#resolutionFor(key);
    // Left started by a crash, or cut off by a tool server that went away: it may have happened.
    if (
      existing?.status === 'started' ||
      (existing?.status === 'failed' && existing.error?.code === 'in_doubt')
    ) {
      if (resolution?.action === 'skip') {
        const skipped = options.skipped ?? null;
        await this.#finish(key, 'completed', skipped);
        return skipped as T;
      }
      if (!options.idempotent && resolution?.action !== 'retry') {
        const approval = governed ? await this.governance?.inDoubt(governed) : undefined;
        throw new RunPaused('in_doubt', {
          step: key,
          kind: options.kind,
          name: options.name,
          ...(existing.error ? { error: existing.error.message } : {}),
          ...(approval ? { approval_id: approval.approvalId } : {}),
        });
      }
    }
    const decided: Decided =
      governed && this.#governor ? await this.#governor.decide(governed, options) : { dryRun: false };
    if (!existing) {
      if (this.#stepCount >= this.limits.maxSteps) {
        throw new RunLimitExceeded('max_steps', `the run reached its limit of ${this.limits.maxSteps} steps`);
      }
      this.#stepCount += 1;
    }
    const idempotencyKey = `${this.fence.runId}:${key}`;
    const startEvents = [
      ...(await this.#takeTokens()),
      ...(options.startEvent ? [toEventDraft(options.startEvent)] : []),
    ];
    const record = await this.queue.beginStep(
      this.fence,
      {
        key,
        kind: options.kind,
        name: options.name,
        input: options.input,
        idempotencyKey,
        traceId: this.traceId,
        startedAt: this.clock.now(),
      },
      startEvents,
      !existing,
    );
    this.#steps.set(key, record);
    let output: T;
    const startedAt = performance.now();
    try {
      output =
        'substitute' in decided
          ? (decided.substitute as T)
          : await execute({
              signal: this.signal,
              idempotencyKey,
              ...(decided.maxTokens !== undefined ? { maxTokens: decided.maxTokens } : {}),
            });
    } catch (error) {
      if (governed && !this.signal.aborted) {
        await this.governance?.record(governed, {
          error: error instanceof Error ? error.message : String(error),
          durationMs: performance.now() - startedAt,
        });
      }
      // Aborted work is left as it stands: a cancel or timeout ends the run, a lost lease leaves
      // the step to the next worker. Anything else is this step's failure.
      if (error instanceof ToolUnavailableError && !this.signal.aborted)
        return this.#toolUnavailable(key, options, execute, tries, error);
      if (!this.signal.aborted) {
        await this.#finish(key, 'failed', undefined, {
          code: 'step_failed',
          message: error instanceof Error ? error.message : String(error),
        });
      }
      throw error;
    }
    if (governed && !decided.denied) {
      // Before the step is marked done: a crash in between repeats the record, never loses it.
      await this.governance?.record(governed, {
        output,
        durationMs: performance.now() - startedAt,
        usage: { ...this.#tokens.pending },
        dryRun: decided.dryRun,
      });
    }
    const endEvent = options.endEvent?.(output);
    await this.#finish(key, 'completed', output, undefined, endEvent ? [toEventDraft(endEvent)] : []);
    if (governed?.kind === 'tool_call' && !('substitute' in decided))
      await this.#governor?.inspectOutput(governed, output);
    return output;
  }

  /**
   * A tool server that could not be reached or went away mid-call. The step is recorded failed;
   * a call that may have run and is not idempotent pauses the run `in_doubt` for a person
   * (resolve: retry or skip); anything else is tried again, with backoff, up to TOOL_TRIES
   * times, after which the runtime gets the failure as an error result (or the step fails).
   */
  async #toolUnavailable<T>(
    key: string,
    options: StepOptions,
    execute: (execution: StepExecution) => Promise<T>,
    tries: number,
    error: ToolUnavailableError,
  ): Promise<T> {
    if (error.inDoubt && !options.idempotent) {
      await this.#finish(key, 'failed', undefined, { code: 'in_doubt', message: error.message });
      return this.#step(key, options, execute, tries); // finds the step in doubt: pauses
    }
    if (tries >= TOOL_TRIES && options.substitute) {
      const output = options.substitute(`${error.message} (tried ${tries} times)`, true) as T;
      const endEvent = options.endEvent?.(output);
      await this.#finish(key, 'completed', output, undefined, endEvent ? [toEventDraft(endEvent)] : []);
      return output;
    }
    await this.#finish(key, 'failed', undefined, { code: 'tool_unavailable', message: error.message });
    if (tries >= TOOL_TRIES) throw error;
    await abortableSleep(TOOL_RETRY_MS * 2 ** (tries - 1), this.signal);
    return this.#step(key, options, execute, tries + 1);
  }

  /** Inspects the run's input before anything runs (prompt injection from the user). */
  async inspectInput(): Promise<void> {
    // Steps on record: an earlier execution inspected (and reported) the input already.
    await this.#governor?.inspectInput(this.input, this.#stepCount > 0);
  }

  async #finish(
    key: string,
    status: 'completed' | 'failed',
    output: unknown,
    error?: { code: string; message: string },
    events: EventDraft[] = [],
  ) {
    const usage = this.#tokens.pending;
    this.#tokens.pending = { inputTokens: 0, outputTokens: 0 };
    await this.queue.finishStep(
      this.fence,
      key,
      {
        status,
        ...(output !== undefined ? { output } : {}),
        ...(error ? { error } : {}),
        usage,
        endedAt: this.clock.now(),
      },
      [...(await this.#takeTokens()), ...events],
    );
    const previous = this.#steps.get(key);
    if (previous) this.#steps.set(key, { ...previous, status, output: output ?? null, error: error ?? null });
  }

  async emit(event: RuntimeEvent): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (event.type === 'token') {
      if (this.#tokenStep !== event.data.step) await this.#flushTokens();
      this.#tokenBuffer += event.data.delta;
      this.#tokenStep = event.data.step;
      this.#tokenTimer ??= setTimeout(() => {
        this.#flushTokens().catch((error: unknown) => {
          this.#failure = error;
        });
      }, TOKEN_FLUSH_MS);
      return;
    }
    await this.queue.appendEvents(this.fence, [...(await this.#takeTokens()), toEventDraft(event)]);
  }

  /** Takes the buffered token deltas as an event to write with the next step write (in order). */
  async #takeTokens(): Promise<EventDraft[]> {
    await this.#flushing;
    clearTimeout(this.#tokenTimer);
    this.#tokenTimer = undefined;
    if (!this.#tokenBuffer) return [];
    const delta = this.#tokenBuffer;
    const step = this.#tokenStep;
    this.#tokenBuffer = '';
    return [{ type: 'token', data: { delta, ...(step ? { step } : {}) } }];
  }

  /** Writes buffered token deltas as one event; serialised so deltas keep their order. */
  #flushTokens(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      clearTimeout(this.#tokenTimer);
      this.#tokenTimer = undefined;
      if (!this.#tokenBuffer) return;
      const delta = this.#tokenBuffer;
      const step = this.#tokenStep;
      this.#tokenBuffer = '';
      await this.queue.appendEvents(this.fence, [
        { type: 'token', data: { delta, ...(step ? { step } : {}) } },
      ]);
    });
    return this.#flushing;
  }

  async awaitApproval(key: string, request: ApprovalRequest): Promise<ApprovalDecision> {
    const existing = this.#steps.get(key);
    if (existing?.status === 'completed') return existing.output as ApprovalDecision;
    const resolution = this.#resolutionFor(key);
    if (!existing) {
      const record = await this.queue.beginStep(
        this.fence,
        {
          key,
          kind: 'approval_wait',
          name: key,
          input: request,
          idempotencyKey: `${this.fence.runId}:${key}`,
          traceId: this.traceId,
          startedAt: this.clock.now(),
        },
        await this.#takeTokens(),
        true,
      );
      this.#steps.set(key, record);
      this.#stepCount += 1;
    }
    if (resolution && (resolution.action === 'approve' || resolution.action === 'reject')) {
      const decision: ApprovalDecision = {
        approved: resolution.action === 'approve',
        by: resolution.by,
        ...(resolution.comment ? { comment: resolution.comment } : {}),
      };
      await this.#finish(key, 'completed', decision);
      return decision;
    }
    // With governance the pause is an approval record too: listed, decided by its approvers.
    const approval = await this.governance?.requestApproval(key, request);
    throw new RunPaused('approval', {
      step: key,
      message: request.message,
      ...(approval ? { approval_id: approval.approvalId } : {}),
      ...(request.details ? { details: request.details } : {}),
    });
  }

  recordUsage(usage: TokenUsage): void {
    this.#tokens.pending.inputTokens += usage.inputTokens;
    this.#tokens.pending.outputTokens += usage.outputTokens;
    this.#tokens.total.inputTokens += usage.inputTokens;
    this.#tokens.total.outputTokens += usage.outputTokens;
    this.#tokens.used += usage.inputTokens + usage.outputTokens;
    if (this.limits.maxTokens !== null && this.#tokens.used > this.limits.maxTokens) {
      throw new RunLimitExceeded(
        'max_tokens',
        `the run used ${this.#tokens.used} tokens, over its limit of ${this.limits.maxTokens}`,
      );
    }
  }

  /** Tokens not yet written with a step, for the run's final transition. */
  async settle(): Promise<void> {
    await this.#flushTokens();
    if (this.#failure) throw this.#failure;
  }

  /** Tokens of the whole run so far, including earlier attempts. */
  get usage(): TokenUsage {
    return { ...this.#tokens.total };
  }
}
