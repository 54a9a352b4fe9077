import { type Attributes, ROOT_CONTEXT, type Span, TraceFlags, trace } from '@opentelemetry/api';
import { SPAN_ATTRIBUTES as A, SPAN_NAMES } from '../contracts/index.ts';
import type { Telemetry } from '../core/index.ts';
import type { RunRecord } from './ports.ts';

/**
 * Where a run's spans hang: under the client's span when the request that made the run carried a
 * traceparent, else a root; either way in the run's own trace id.
 */
export function runParentContext(run: RunRecord) {
  return run.parentSpanId
    ? trace.setSpanContext(ROOT_CONTEXT, {
        traceId: run.traceId,
        spanId: run.parentSpanId,
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      })
    : ROOT_CONTEXT;
}

/** Starts a `Run` span for the run, with its identity attributes (and any others given). */
export function startRunSpan(telemetry: Telemetry, run: RunRecord, attributes: Attributes = {}): Span {
  return telemetry.withTraceId(run.traceId, () =>
    telemetry.tracer.startSpan(
      SPAN_NAMES.run,
      {
        attributes: {
          [A.runId]: run.id,
          [A.tenantId]: run.tenantId,
          [A.agentId]: run.agentName,
          [A.agentVersion]: run.agentVersion,
          [A.userId]: run.createdBy,
          [A.genAiOperation]: 'invoke_agent',
          'gen_ai.agent.name': run.agentName,
          ...attributes,
        },
      },
      runParentContext(run),
    ),
  );
}
