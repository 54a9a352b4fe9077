import { z } from 'zod';
import { parseJson } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import { INJECTION_LABELS, type InjectionSource } from './injection-config.ts';

/** What a classifier says about one text; `label` and `reasons` are optional on the wire. */
export interface ClassifierVerdict {
  score: number;
  label?: 'injection' | 'benign';
  reasons?: string[];
}

/**
 * A pluggable prompt-injection classifier, e.g. a fine-tuned BERT model the operator serves.
 * Throws on any failure (network, timeout, bad answer); the caller decides the fallback.
 */
export interface InjectionClassifier {
  classify(text: string, source: InjectionSource, signal?: AbortSignal): Promise<ClassifierVerdict>;
}

/** Permissive: a classifier may add fields; only what we use is checked. */
const ClassifierResponseSchema = z.object({
  score: z.number().min(0).max(1),
  label: z.enum(INJECTION_LABELS).optional(),
  reasons: z.array(z.string().max(500)).max(50).optional(),
});

export interface HttpInjectionClassifierOptions {
  endpoint: string;
  timeoutMs?: number;
  /** Injected so tests and the composition root control the network. */
  fetch?: typeof fetch;
}

/**
 * Calls `POST endpoint` with `{text, source}` and expects `{score, label?, reasons?}`. Throws
 * `UPSTREAM_ERROR` (retryable for timeouts, network errors and 5xx) when the call fails, times out
 * after `timeoutMs` (default 2000), or answers something else.
 */
export class HttpInjectionClassifier implements InjectionClassifier {
  private readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: HttpInjectionClassifierOptions) {
    this.endpoint = options.endpoint;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async classify(text: string, source: InjectionSource, signal?: AbortSignal): Promise<ClassifierVerdict> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let body: string;
    try {
      const response = await this.fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ text, source }),
        signal: combined,
      });
      body = await response.text();
      if (!response.ok)
        throw new AppError('UPSTREAM_ERROR', `injection classifier answered HTTP ${response.status}`, {
          isRetryable: response.status >= 500,
        });
    } catch (error) {
      if (error instanceof AppError) throw error;
      const timedOut = timeout.aborted && !signal?.aborted;
      throw new AppError(
        'UPSTREAM_ERROR',
        timedOut
          ? `injection classifier timed out after ${this.timeoutMs} ms`
          : 'injection classifier unreachable',
        { cause: error, isRetryable: true },
      );
    }
    const json = parseJson(body);
    const parsed = json.ok ? ClassifierResponseSchema.safeParse(json.value) : undefined;
    if (!parsed?.success)
      throw new AppError(
        'UPSTREAM_ERROR',
        'injection classifier answered something other than {score, label?, reasons?}',
      );
    return parsed.data;
  }
}
