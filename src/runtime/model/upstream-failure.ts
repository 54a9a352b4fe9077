import { ModelRequestError, ModelUnavailableError } from '../ports.ts';
import { upstreamErrorMessage } from './chat-completion-wire.ts';

/** What a failed attempt says about the backend's health, for its circuit breaker. */
export const BREAKER_VERDICTS = ['failure', 'neutral'] as const;
export type BreakerVerdict = (typeof BREAKER_VERDICTS)[number];

/**
 * An attempt failed in a way another attempt may fix (a 429 / 5xx answer, a refused or reset
 * connection, a stream that broke before any of the answer arrived). Internal to the client: the
 * retry loop either retries it or turns it into a `ModelUnavailableError`.
 */
export class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly verdict: BreakerVerdict,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryableFailure';
  }
}

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Network errors worth another attempt; anything else (TLS, bad header) will not improve. */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

export function networkFailure(backend: string, error: unknown): RetryableFailure | ModelUnavailableError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && RETRYABLE_NETWORK_CODES.has(code))
    return new RetryableFailure(`connection failed (${code})`, 'failure', undefined, { cause: error });
  return new ModelUnavailableError(backend, `cannot reach model backend "${backend}": ${message}`, {
    cause: error,
  });
}

export function malformedResponse(backend: string, problem: string): ModelRequestError {
  return new ModelRequestError(
    backend,
    502,
    `model backend "${backend}" sent a malformed response: ${problem}`,
  );
}

/** A non-2xx answer: retryable (429, 500, 502, 503, 504) or a `ModelRequestError` with its status. */
export function statusFailure(
  backend: string,
  status: number,
  body: string,
  retryAfterMs: number | undefined,
): RetryableFailure | ModelRequestError {
  const message = upstreamErrorMessage(status, body);
  // A rate limit says the backend is up: it neither opens nor closes the circuit.
  if (RETRYABLE_STATUSES.has(status))
    return new RetryableFailure(
      `upstream answered ${status}: ${message}`,
      status === 429 ? 'neutral' : 'failure',
      retryAfterMs,
    );
  return new ModelRequestError(backend, status, `model backend "${backend}" answered ${status}: ${message}`);
}
