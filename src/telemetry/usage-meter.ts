import { SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SPAN_ATTRIBUTES, SPAN_NAMES, type UsageRecord } from '../contracts/index.ts';

const numberOf = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const stringOf = (value: unknown, fallback: string) =>
  typeof value === 'string' && value !== '' ? value : fallback;

/** The usage of an ended `LLM.Invoke` span; null for any other span, or one of no tenant. */
export function usageOf(span: ReadableSpan): UsageRecord | null {
  if (span.name !== SPAN_NAMES.llm) return null;
  const a = span.attributes;
  const tenantId = a[SPAN_ATTRIBUTES.tenantId];
  if (typeof tenantId !== 'string') return null;
  const cost = a[SPAN_ATTRIBUTES.costUsd];
  const failed = span.status.code === SpanStatusCode.ERROR;
  return {
    tenantId,
    day: new Date(hrTimeToMilliseconds(span.startTime)).toISOString().slice(0, 10),
    agent: stringOf(a[SPAN_ATTRIBUTES.agentId], 'none'),
    // The model that answered (a registry name); a call refused before routing is `unknown`, never
    // the client's string (which would make unbounded rows).
    model: stringOf(a[SPAN_ATTRIBUTES.genAiResponseModel], stringOf(a[SPAN_ATTRIBUTES.llmModel], 'unknown')),
    principal: stringOf(a[SPAN_ATTRIBUTES.userId], '-'),
    calls: 1,
    errors: failed ? 1 : 0,
    inputTokens: numberOf(a[SPAN_ATTRIBUTES.genAiInputTokens]),
    outputTokens: numberOf(a[SPAN_ATTRIBUTES.genAiOutputTokens]),
    costUsd: numberOf(cost),
    // A call that failed used nothing to price.
    unpricedCalls: typeof cost === 'number' || failed ? 0 : 1,
  };
}

/**
 * Rolls model calls up per tenant, day, agent, model and principal: each ended `LLM.Invoke` span
 * is added to a batch written every `flushMs` (or at 500 calls) in one upsert. A failed write (the
 * database away) is retried a `flushMs` later, with whatever came meanwhile, up to 10,000 calls
 * held; past that the oldest are dropped and logged by `onError`.
 */
export class UsageMeter {
  #pending: UsageRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  /** After a failed write, no early flush before this time (the retry timer is set). */
  #retryAt = 0;

  constructor(
    private readonly write: (records: UsageRecord[]) => Promise<void>,
    private readonly onError: (error: unknown, dropped: number) => void,
    private readonly flushMs = 1000,
  ) {}

  observe = (span: ReadableSpan): void => {
    const usage = usageOf(span);
    if (!usage) return;
    this.#pending.push(usage);
    if (this.#pending.length >= 500 && Date.now() >= this.#retryAt) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  };

  /** Writes what is pending (serialised: batches land in order). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#writing = this.#writing.then(async () => {
      const batch = this.#pending;
      if (batch.length === 0) return;
      this.#pending = [];
      try {
        await this.write(batch);
      } catch (error) {
        this.#pending = [...batch, ...this.#pending];
        const dropped = Math.max(0, this.#pending.length - 10_000);
        this.#pending.splice(0, dropped);
        this.onError(error, dropped);
        this.#retryAt = Date.now() + this.flushMs;
        this.#timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
      }
    });
    return this.#writing;
  }
}
