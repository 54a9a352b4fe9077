import type { Span } from '@opentelemetry/api';
import { endCallSpan } from './call-span.ts';
import type { Usage } from './completion-shapes.ts';
import type { GatewayAudit, GatewayCaller, GatewayInvocation } from './ports.ts';

export interface InvocationOutcome {
  status: number;
  error: string | null;
  usage: Usage | null;
  /** The tokens were counted with a tokenizer: the backend reported none. */
  counted?: boolean;
  model: string;
  cache: string | null;
  attempts: number;
  costUsd: number | null;
  /** `finish_reason` of each choice, when the answer said. */
  finishReasons?: string[] | undefined;
}

/** Records one call exactly once, whichever way it ends (answer, error, broken stream, abort). */
export interface InvocationRecorder {
  done(outcome: InvocationOutcome): void;
  /**
   * A GatewayError keeps its status and message; anything else is the caller gone (499) if the
   * call's signal aborted, else a fault of ours (500). Rethrows `error`, so it can end a chain.
   */
  failed(error: unknown, model: string, cache: string | null): never;
}

export function invocationRecorder(
  audit: GatewayAudit,
  now: () => number,
  caller: GatewayCaller,
  requested: string,
  operation: GatewayInvocation['operation'],
  stream: boolean,
  started: number,
  signal: AbortSignal,
  span?: Span,
): InvocationRecorder {
  let recorded = false;
  const done = (outcome: InvocationOutcome) => {
    if (recorded) return;
    recorded = true;
    if (span) endCallSpan(span, outcome);
    audit({
      tenantId: caller.tenantId,
      principal: caller.principal,
      agent: caller.agent ?? null,
      runId: caller.runId ?? null,
      requested,
      model: outcome.model,
      cache: outcome.cache,
      attempts: outcome.attempts,
      costUsd: outcome.costUsd,
      operation,
      stream,
      status: outcome.status,
      error: outcome.error,
      tokensCounted: outcome.counted ?? false,
      inputTokens: outcome.usage?.inputTokens ?? null,
      cachedTokens: outcome.usage?.cachedTokens ?? null,
      outputTokens: outcome.usage?.outputTokens ?? null,
      latencyMs: Math.round((now() - started) * 100) / 100,
    });
  };
  return {
    done,
    failed: (error, model, cache) => {
      const status = (error as { status?: unknown }).status;
      const known = typeof status === 'number';
      const gone = !known && signal.aborted;
      done({
        status: known ? status : gone ? 499 : 500,
        error: known ? (error as Error).message : gone ? 'client disconnected' : 'internal error',
        usage: null,
        model,
        cache,
        attempts: 0,
        costUsd: null,
      });
      throw error;
    },
  };
}
