import { context as otel, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { SPAN_ATTRIBUTES as A, type AgentSpec, SPAN_NAMES } from '../contracts/index.ts';
import { AppError, type Clock, inSpan, NO_TELEMETRY, type Telemetry } from '../core/index.ts';
import {
  type AgentRuntime,
  type ModelTarget,
  ModelUnavailableError,
  RunPaused,
  type ToolDefinition,
  type ToolInvoker,
} from '../runtime/index.ts';
import { GovernanceStop, RunLimitExceeded, RunSetupError, RunStop } from './errors.ts';
import type { Governance } from './governance.ts';
import { historyOf, textOf } from './history.ts';
import type { ClaimedRun, EventDraft, Fence, RunQueue, RunRecord, TransitionChange } from './ports.ts';
import { LeaseLostError } from './ports.ts';
import { DurableRunContext } from './run-context.ts';
import { runParentContext, startRunSpan } from './run-span.ts';
import { isTerminal } from './run-states.ts';

/** Where the executor finds an agent's definition and its model backend (the registry, in main.ts). */
export interface AgentCatalog {
  /** The spec of that version, or null if the agent or version is gone. */
  spec(tenantId: string, agent: string, version: number): Promise<AgentSpec | null>;
  /** The backend as a call target, or null if no ModelBackend has that name. */
  /**
   * Where the run's model calls go: the agent's `model.backend` names a ModelBackend (called
   * directly) or a ModelAlias (called through the gateway as this run). Null if neither exists.
   */
  modelTarget(run: RunRecord, backend: string): Promise<ModelTarget | null>;
}

export interface ExecutorDeps {
  queue: RunQueue;
  catalog: AgentCatalog;
  tools: ToolInvoker;
  runtimes: Record<AgentSpec['runtime'], AgentRuntime>;
  clock: Clock;
  logger: Logger;
  leaseMs: number;
  /** Policy, approvals, guard and audit for every model and tool call; absent in unit tests. */
  governance?: Governance | undefined;
  /** Spans of each execution (`Run` → `Orchestrator.Plan`, `Agent.Step`, …); none by default. */
  telemetry?: Telemetry | undefined;
}

/** Where an execution left the run: its status and reason, or null (left to another worker). */
type Outcome = { status: string; reason: string | null } | null;

const DEFAULT_MAX_STEPS = 50;
const DEFAULT_HISTORY = 20;

/**
 * Runs one claimed run to its next resting state (completed, failed, paused, cancelled,
 * timed_out), holding the lease with heartbeats. Every outcome is one transition with its event.
 * A lost lease stops it silently: the run belongs to another worker now.
 */
export class RunExecutor {
  constructor(private readonly deps: ExecutorDeps) {}

  async execute(claimed: ClaimedRun, stop: AbortController): Promise<void> {
    const { run } = claimed;
    const telemetry = this.deps.telemetry ?? NO_TELEMETRY;
    const span = startRunSpan(telemetry, run);
    const parent = runParentContext(run);
    const outcome = await otel.with(trace.setSpan(parent, span), () => this.#execute(claimed, stop, span));
    if (outcome) {
      span.setAttribute(A.runStatus, outcome.status);
      if (outcome.reason) span.setAttribute(A.runReason, outcome.reason);
      if (outcome.status === 'failed' || outcome.status === 'timed_out')
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason ?? outcome.status });
    } else span.setAttribute(A.runStatus, 'released');
    span.end();
  }

  async #execute(claimed: ClaimedRun, stop: AbortController, span: Span): Promise<Outcome> {
    const { run, fence } = claimed;
    const { queue, logger } = this.deps;
    const tracer = (this.deps.telemetry ?? NO_TELEMETRY).tracer;
    const heartbeat = setInterval(
      () => {
        queue
          .heartbeat(fence, this.deps.leaseMs)
          .then(({ held, cancelRequested }) => {
            if (!held) stop.abort(new RunStop('lease_lost'));
            else if (cancelRequested) stop.abort(new RunStop('cancelled'));
          })
          .catch((error: unknown) => logger.warn({ err: error, runId: run.id }, 'heartbeat failed'));
      },
      Math.max(100, Math.floor(this.deps.leaseMs / 3)),
    );
    let deadline: NodeJS.Timeout | undefined;
    try {
      if (run.cancelRequested) throw new RunStop('cancelled');
      const deadlineAt = await this.#start(run, fence);
      if (deadlineAt) {
        deadline = setTimeout(
          () => stop.abort(new RunStop('timed_out')),
          Math.max(0, deadlineAt.getTime() - Date.now()),
        );
      }
      const { context, spec, prepared } = await inSpan(
        tracer,
        SPAN_NAMES.plan,
        { [A.agentId]: run.agentName, [A.agentVersion]: run.agentVersion },
        async (plan) => {
          const spec = await this.deps.catalog.spec(run.tenantId, run.agentName, run.agentVersion);
          if (!spec)
            throw new RunSetupError(`agent ${run.agentName} version ${run.agentVersion} no longer exists`);
          const context = await this.#context(run, fence, spec, stop.signal, tracer);
          await context.ctx.inspectInput();
          const prepared = await this.#prepare(run, fence, spec);
          plan.setAttributes({
            'agent.runtime': spec.runtime,
            'agent.tools': prepared.tools.length,
            [A.genAiRequestModel]: spec.model.backend,
            'agent.history_messages': prepared.history.length,
          });
          return { context, spec, prepared };
        },
      );
      span.setAttribute('agent.runtime', spec.runtime);
      const runtime = this.deps.runtimes[spec.runtime];
      const output = await runtime.execute(context.ctx, prepared);
      await context.ctx.settle();
      const usage = context.ctx.usage;
      span.setAttributes({
        [A.genAiInputTokens]: usage.inputTokens,
        [A.genAiOutputTokens]: usage.outputTokens,
      });
      await this.#end(
        fence,
        {
          to: 'completed',
          reason: null,
          output,
          endedAt: this.deps.clock.now(),
          clearResolution: true,
          sessionMessages: [
            { role: 'user', content: textOf(run.input) },
            { role: 'assistant', content: textOf(output) },
          ],
        },
        { type: 'run_completed', data: { output, usage: this.#usage(usage) } },
      );
      return { status: 'completed', reason: null };
    } catch (error) {
      return await this.#settleFailure(run, fence, error, stop.signal).catch((failure: unknown) => {
        if (!(failure instanceof LeaseLostError))
          logger.error({ err: failure, runId: run.id }, 'could not record the run outcome');
        return null;
      });
    } finally {
      clearInterval(heartbeat);
      clearTimeout(deadline);
    }
  }

  #usage(usage: { inputTokens: number; outputTokens: number }) {
    return { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens };
  }

  /** pending → running with run_started, first thing after the claim (it is what streams wait for). */
  async #start(run: RunRecord, fence: Fence): Promise<Date | null> {
    if (run.status !== 'pending') return run.deadlineAt;
    const now = this.deps.clock.now();
    const deadlineAt = run.timeoutMs ? new Date(now.getTime() + run.timeoutMs) : null;
    await this.deps.queue.transition(
      fence,
      { to: 'running', startedAt: now, deadlineAt },
      {
        type: 'run_started',
        data: {
          run_id: run.id,
          agent: run.agentName,
          agent_version: run.agentVersion,
          trace_id: run.traceId,
        },
      },
    );
    return deadlineAt;
  }

  async #context(
    run: RunRecord,
    fence: Fence,
    spec: AgentSpec,
    signal: AbortSignal,
    tracer: Telemetry['tracer'],
  ) {
    const steps = await this.deps.queue.steps(fence);
    const governance = this.deps.governance
      ? await this.deps.governance.forRun(run, { name: run.agentName, version: run.agentVersion, spec })
      : null;
    const ctx = new DurableRunContext(
      this.deps.queue,
      fence,
      this.deps.clock,
      run.input,
      signal,
      run.traceId,
      { maxSteps: spec.limits?.maxSteps ?? DEFAULT_MAX_STEPS, maxTokens: spec.limits?.maxTokens ?? null },
      run.resolution,
      steps,
      run.usage,
      governance,
      tracer,
    );
    return { ctx };
  }

  async #prepare(run: RunRecord, fence: Fence, spec: AgentSpec) {
    let tools: ToolDefinition[];
    try {
      tools = await this.deps.tools.resolve(
        (spec.tools ?? []).map((ref) =>
          typeof ref === 'string'
            ? { name: ref }
            : { name: ref.name, ...(ref.config ? { config: ref.config } : {}) },
        ),
        { tenantId: run.tenantId },
      );
    } catch (error) {
      throw new RunSetupError(error instanceof Error ? error.message : String(error));
    }
    const model = await this.deps.catalog.modelTarget(run, spec.model.backend);
    const limit = spec.memory?.maxHistory ?? DEFAULT_HISTORY;
    const history = run.sessionId
      ? historyOf(await this.deps.queue.history(fence, run.sessionId, limit), spec.memory?.maxTokens)
      : [];
    return { name: run.agentName, version: run.agentVersion, spec, tools, model, history };
  }

  async #end(fence: Fence, change: TransitionChange, event: EventDraft): Promise<void> {
    await this.deps.queue.transition(fence, change, event);
  }

  async #settleFailure(run: RunRecord, fence: Fence, error: unknown, signal: AbortSignal): Promise<Outcome> {
    const now = this.deps.clock.now();
    const stop =
      signal.aborted && signal.reason instanceof RunStop
        ? signal.reason
        : error instanceof RunStop
          ? error
          : null;
    if (error instanceof LeaseLostError || stop?.why === 'lease_lost' || stop?.why === 'shutdown') {
      this.deps.logger.info({ runId: run.id, why: stop?.why ?? 'lease_lost' }, 'run left to another worker');
      return null;
    }
    if (stop?.why === 'cancelled') {
      const request = (await this.deps.queue.current(fence))?.cancelRequest;
      await this.#endUnlessFinished(
        fence,
        { to: 'cancelled', reason: 'cancelled', endedAt: now, clearResolution: true },
        {
          type: 'run_cancelled',
          data: { by: request?.by ?? 'system', reason: request?.reason ?? 'cancel requested' },
        },
      );
      return { status: 'cancelled', reason: 'cancelled' };
    }
    if (stop?.why === 'timed_out') {
      await this.#fail(fence, 'timed_out', 'timed_out', 'the run exceeded its timeout', now);
      return { status: 'timed_out', reason: 'timed_out' };
    }
    if (error instanceof RunPaused) {
      await this.deps.queue.transition(
        fence,
        { to: 'paused', reason: error.reason, pausedAt: now, clearResolution: true },
        {
          type: 'run_paused',
          data: {
            reason: error.reason,
            ...(typeof error.details.step === 'string' ? { step: error.details.step } : {}),
            details: error.details,
          },
        },
      );
      return { status: 'paused', reason: error.reason };
    }
    if (error instanceof ModelUnavailableError) {
      const spec = await this.deps.catalog
        .spec(run.tenantId, run.agentName, run.agentVersion)
        .catch(() => null);
      const fallback = spec?.fallbackMessage;
      await this.#fail(fence, 'failed', 'model_unavailable', error.message, now, fallback);
      return { status: 'failed', reason: 'model_unavailable' };
    }
    if (error instanceof GovernanceStop || error instanceof RunLimitExceeded) {
      await this.#fail(fence, 'failed', error.reason, error.message, now);
      return { status: 'failed', reason: error.reason };
    }
    if (error instanceof RunSetupError) {
      await this.#fail(fence, 'failed', 'invalid_agent', error.message, now);
      return { status: 'failed', reason: 'invalid_agent' };
    }
    if (error instanceof AppError && error.code === 'CONFLICT') {
      // The run was ended from outside (a cancel raced this worker): nothing left to record.
      const current = await this.deps.queue.current(fence);
      if (current && isTerminal(current.status)) return null;
    }
    this.deps.logger.error({ err: error, runId: run.id }, 'run failed');
    await this.#fail(fence, 'failed', 'error', error instanceof Error ? error.message : String(error), now);
    return { status: 'failed', reason: 'error' };
  }

  async #fail(
    fence: Fence,
    to: 'failed' | 'timed_out',
    reason: string,
    message: string,
    now: Date,
    fallback?: string,
  ) {
    await this.#endUnlessFinished(
      fence,
      {
        to,
        reason,
        error: { code: reason, message },
        endedAt: now,
        clearResolution: true,
        ...(fallback !== undefined ? { output: fallback } : {}),
      },
      {
        type: 'run_failed',
        data: {
          reason,
          error: { code: reason, message },
          ...(fallback !== undefined ? { output: fallback } : {}),
        },
      },
    );
  }

  async #endUnlessFinished(fence: Fence, change: TransitionChange, event: EventDraft): Promise<void> {
    try {
      await this.deps.queue.transition(fence, change, event);
    } catch (error) {
      const current = error instanceof AppError ? await this.deps.queue.current(fence) : null;
      if (current && isTerminal(current.status)) return;
      throw error;
    }
  }
}
