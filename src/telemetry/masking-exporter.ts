import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

function maskValue(value: AttributeValue | undefined, mask: (text: string) => string) {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? mask(item) : item));
  return value;
}

function maskAttributes(attributes: Attributes, mask: (text: string) => string): Attributes {
  const masked: Attributes = {};
  for (const [key, value] of Object.entries(attributes))
    masked[key] = maskValue(value, mask) as AttributeValue;
  return masked;
}

/** A copy of the span whose strings (attributes, status message, events) went through `mask`. */
export function maskedSpan(span: ReadableSpan, mask: (text: string) => string): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status.message ? { ...span.status, message: mask(span.status.message) } : span.status,
    attributes: maskAttributes(span.attributes, mask),
    links: span.links,
    events: span.events.map((event) => ({
      ...event,
      ...(event.attributes ? { attributes: maskAttributes(event.attributes, mask) } : {}),
    })),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/**
 * Most span strings repeat (agent, model, tool, rule and tenant names, a run's id on each of its
 * spans): each distinct one is masked once. Bounded: the memory is dropped at 10,000 entries, and
 * long strings (prompts) are masked every time.
 */
function memoized(mask: (text: string) => string): (text: string) => string {
  let seen = new Map<string, string>();
  return (text) => {
    if (text.length > 256) return mask(text);
    const known = seen.get(text);
    if (known !== undefined) return known;
    if (seen.size >= 10_000) seen = new Map();
    const masked = mask(text);
    seen.set(text, masked);
    return masked;
  };
}

/**
 * Wraps an exporter so it only ever sees masked copies: a tool error quoting a phone number or a
 * key never leaves the process in a span, whichever exporter is configured.
 */
export function maskingExporter(inner: SpanExporter, maskText: (text: string) => string): SpanExporter {
  const mask = memoized(maskText);
  return {
    export: (spans: ReadableSpan[], done: (result: ExportResult) => void) =>
      inner.export(
        spans.map((span) => maskedSpan(span, mask)),
        done,
      ),
    shutdown: () => inner.shutdown(),
    ...(inner.forceFlush ? { forceFlush: () => (inner.forceFlush as () => Promise<void>)() } : {}),
  };
}
