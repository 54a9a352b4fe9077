import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  type SpanKind,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  type IdGenerator,
  ParentBasedSampler,
  RandomIdGenerator,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { TRACE_SAMPLERS } from '../contracts/index.ts';
import type { Telemetry } from '../core/index.ts';
import { InheritedAttributes } from './inherited-attributes.ts';
import { maskingExporter } from './masking-exporter.ts';

export interface TracingOptions {
  serviceName: string;
  serviceVersion: string;
  /** Export over OTLP/HTTP; the exporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout) itself. */
  otlp: boolean;
  sampler: (typeof TRACE_SAMPLERS)[number];
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of the ratio samplers. */
  samplerRatio: number;
  /** Where spans are written besides OTLP: the trace store, and tests' in-memory exporters. */
  exporters: SpanExporter[];
  /** Told of every ended span, sampled or not: metrics and usage are derived from spans. */
  observers: Array<(span: ReadableSpan) => void>;
  /** Applied to every string an exported span holds (PII and secrets masking). */
  mask: (text: string) => string;
}

let globalsInstalled = false;

/** The AsyncLocalStorage context manager and the W3C propagator, once per process. */
function installGlobals(): void {
  if (globalsInstalled) return;
  globalsInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/** Hands out a chosen trace id to the next root span (a run's spans use the run's trace id). */
class ChosenTraceIds implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  chosen: string | undefined;
  generateTraceId = (): string => {
    const chosen = this.chosen;
    this.chosen = undefined;
    return chosen ?? this.#random.generateTraceId();
  };
  generateSpanId = (): string => this.#random.generateSpanId();
}

/**
 * Samples as configured for export, but records every span: metrics and cost roll-ups come from
 * spans and must not depend on the sampling rate. Unsampled spans are seen by observers only.
 */
class RecordingSampler implements Sampler {
  constructor(private readonly inner: Sampler) {}
  shouldSample(
    parent: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const result = this.inner.shouldSample(parent, traceId, name, kind, attributes, links);
    return result.decision === SamplingDecision.NOT_RECORD
      ? { ...result, decision: SamplingDecision.RECORD }
      : result;
  }
  toString(): string {
    return `Recording{${this.inner.toString()}}`;
  }
}

function samplerOf(name: TracingOptions['sampler'], ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** Calls observers when a span ends (synchronously, so keep them cheap). */
class ObservingProcessor implements SpanProcessor {
  constructor(private readonly observers: Array<(span: ReadableSpan) => void>) {}
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    for (const observe of this.observers) observe(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The platform's OpenTelemetry SDK: one tracer provider per platform (not the global one: tests
 * run several platforms in a process), the spans' masked copies batched to OTLP and the trace
 * store, and every span told to the observers (metrics, usage).
 */
export class Tracing implements Telemetry {
  readonly #provider: BasicTracerProvider;
  readonly #ids = new ChosenTraceIds();
  readonly tracer;

  constructor(options: TracingOptions) {
    installGlobals();
    const exporters = [...options.exporters];
    if (options.otlp) exporters.push(new OTLPTraceExporter());
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': options.serviceName,
        'service.version': options.serviceVersion,
      }),
      idGenerator: this.#ids,
      sampler: new RecordingSampler(samplerOf(options.sampler, options.samplerRatio)),
      spanProcessors: [
        new InheritedAttributes(),
        new ObservingProcessor(options.observers),
        ...exporters.map(
          (exporter) =>
            new BatchSpanProcessor(maskingExporter(exporter, options.mask), {
              scheduledDelayMillis: 1000,
              maxQueueSize: 8192,
              maxExportBatchSize: 512,
            }),
        ),
      ],
    });
    this.tracer = this.#provider.getTracer('agenticai', options.serviceVersion);
  }

  withTraceId<T>(traceId: string, start: () => T): T {
    this.#ids.chosen = traceId;
    try {
      return start();
    } finally {
      this.#ids.chosen = undefined;
    }
  }

  /** Exports what is batched (tests read their exporters after this). */
  forceFlush(): Promise<void> {
    return this.#provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }
}
