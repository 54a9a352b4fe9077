import { context as otel, type Tracer, trace } from '@opentelemetry/api';
import { SPAN_ATTRIBUTES as A, SPAN_NAMES } from '../contracts/index.ts';
import { failSpan } from '../core/index.ts';
import { RunPaused, type StepOptions } from '../runtime/index.ts';
import type { GovernedCall } from './governance.ts';
import type { StepRecord } from './ports.ts';

/** The model or tool call a step makes, as governance sees it; null for other steps. */
export function governedCall(
  key: string,
  options: StepOptions,
  existing: StepRecord | undefined,
): GovernedCall | null {
  const call =
    options.call ??
    (options.kind === 'tool_call' || options.kind === 'model_call'
      ? { kind: options.kind, name: options.name, args: options.input }
      : null);
  if (!call) return null;
  return {
    kind: call.kind,
    stepKey: key,
    name: call.name,
    args: call.kind === 'tool_call' ? (call.args ?? null) : null,
    destructive: options.destructive ?? false,
    attempt: existing ? existing.attempt + 1 : 1,
  };
}

/**
 * Runs a step in its `Agent.Step` span (its policy decision, model or tool call are children).
 * A pause (approval, in doubt) ends the span without an error, noting why.
 */
export async function inStepSpan<T>(
  tracer: Tracer,
  key: string,
  options: StepOptions,
  existing: StepRecord | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(SPAN_NAMES.step, {
    attributes: {
      [A.stepKey]: key,
      [A.stepKind]: options.kind,
      [A.stepName]: options.name,
      [A.stepAttempt]: (existing?.attempt ?? 0) + 1,
    },
  });
  try {
    return await otel.with(trace.setSpan(otel.active(), span), run);
  } catch (error) {
    if (error instanceof RunPaused) span.setAttribute('step.paused', error.reason);
    else failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}
