import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/**
 * What components trace with: the platform's tracer (OpenTelemetry API; the SDK, its exporters and
 * the trace store are set up at the edge, in telemetry/) and a way to give a root span a chosen
 * trace id (a run's spans share the trace id stored on the run).
 */
export interface Telemetry {
  tracer: Tracer;
  /** Runs `start`; a span it starts without a parent gets `traceId` (32 hex digits). */
  withTraceId<T>(traceId: string, start: () => T): T;
}

/** No tracing: spans are non-recording and cost next to nothing (unit tests, tools outside the server). */
export const NO_TELEMETRY: Telemetry = {
  tracer: trace.getTracer('agenticai'),
  withTraceId: (_traceId, start) => start(),
};

/**
 * Runs `work` inside a new active span: a throw marks the span as an error (its message, never
 * the stack or any argument) and is rethrown; the span always ends. `work` may set attributes.
 */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  const span = tracer.startSpan(name, { attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks a span failed with the error's message. */
export function failSpan(span: Span, error: unknown): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** The W3C `traceparent` of the active span, to pass on to a tool, model backend or sandbox; undefined outside a span. */
export function activeTraceparent(active: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  return carrier.traceparent;
}

/** The trace and span id of the active span (for logs and audit records), or null. */
export function activeTraceIds(
  active: Context = context.active(),
): { traceId: string; spanId: string } | null {
  const span = trace.getSpanContext(active);
  if (!span || !trace.isSpanContextValid(span)) return null;
  return { traceId: span.traceId, spanId: span.spanId };
}

/** The span context a W3C `traceparent` header names, as a parent context; null if absent or malformed. */
export function contextFromTraceparent(traceparent: string | undefined): Context | null {
  if (!traceparent) return null;
  const extracted = propagation.extract(context.active(), { traceparent });
  const span = trace.getSpanContext(extracted);
  return span && trace.isSpanContextValid(span) ? extracted : null;
}
