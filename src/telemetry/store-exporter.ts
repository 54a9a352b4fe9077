import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, hrTimeToMicroseconds } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SPAN_ATTRIBUTES, type SpanRecord } from '../contracts/index.ts';

const STATUS = {
  [SpanStatusCode.UNSET]: 'unset',
  [SpanStatusCode.OK]: 'ok',
  [SpanStatusCode.ERROR]: 'error',
} as const;

/** The record of a span that belongs to a tenant; null for spans of no tenant (they are not kept). */
export function toSpanRecord(span: ReadableSpan): SpanRecord | null {
  const tenantId = span.attributes[SPAN_ATTRIBUTES.tenantId];
  if (typeof tenantId !== 'string') return null;
  const runId = span.attributes[SPAN_ATTRIBUTES.runId];
  const context = span.spanContext();
  return {
    tenantId,
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    runId: typeof runId === 'string' ? runId : null,
    name: span.name,
    kind: SpanKind[span.kind]?.toLowerCase() ?? 'internal',
    startTime: new Date(hrTimeToMicroseconds(span.startTime) / 1000),
    durationUs: Math.round(hrTimeToMicroseconds(span.duration)),
    status: STATUS[span.status.code],
    statusMessage: span.status.message ?? null,
    attributes: { ...span.attributes },
    events: span.events.map((event) => ({
      name: event.name,
      time: new Date(hrTimeToMicroseconds(event.time) / 1000).toISOString(),
      attributes: { ...(event.attributes ?? {}) },
    })),
  };
}

/** Exports spans into the platform database (the built-in trace store). */
export class StoreSpanExporter implements SpanExporter {
  constructor(
    private readonly write: (records: SpanRecord[]) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const records = spans.map(toSpanRecord).filter((record): record is SpanRecord => record !== null);
    if (records.length === 0) {
      done({ code: ExportResultCode.SUCCESS });
      return;
    }
    this.write(records).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => {
        this.onError(error);
        done({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      },
    );
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
