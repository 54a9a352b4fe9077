import { type Context, trace } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { INHERITED_SPAN_ATTRIBUTES } from '../contracts/index.ts';

/**
 * Copies the run's identity (`run.id`, `tenant.id`, `agent.id`, `user.id`) from a span to the
 * spans started under it, so every span of a run can be found by run and tenant (the trace store
 * keys on them) without each component passing them along.
 */
export class InheritedAttributes implements SpanProcessor {
  onStart(span: Span, parent: Context): void {
    const parentSpan = trace.getSpan(parent) as Partial<ReadableSpan> | undefined;
    const inherited = parentSpan?.attributes;
    if (!inherited) return;
    for (const key of INHERITED_SPAN_ATTRIBUTES) {
      const value = inherited[key];
      if (value !== undefined && span.attributes[key] === undefined) span.setAttribute(key, value);
    }
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
