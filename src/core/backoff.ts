import type { IncomingHttpHeaders } from 'node:http';

export const DEFAULT_BACKOFF_BASE_MS = 100;
export const DEFAULT_BACKOFF_CAP_MS = 2_000;

/**
 * "Full jitter" backoff (AWS architecture blog): a uniform draw in [0, min(cap, base·2^attempt)),
 * so callers that failed together do not retry together. `attempt` counts from 0.
 */
export function fullJitterDelay(
  attempt: number,
  random: () => number,
  baseMs = DEFAULT_BACKOFF_BASE_MS,
  capMs = DEFAULT_BACKOFF_CAP_MS,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * How long the upstream asked us to wait, in milliseconds, or undefined when it did not say.
 * Reads `retry-after-ms` (OpenAI's) first, then `Retry-After` as delta-seconds or an HTTP date
 * (RFC 9110 §10.2.3); a date in the past means "now" (0). Unparseable values are ignored.
 */
export function retryAfterMs(headers: IncomingHttpHeaders, nowMs: number): number | undefined {
  const milliseconds = headerValue(headers['retry-after-ms']);
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds))
    return Math.ceil(Number(milliseconds));
  const value = headerValue(headers['retry-after']);
  if (value === undefined) return undefined;
  // Fractional seconds are not in the RFC, but some servers send them; accepting them costs nothing.
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1_000);
  // Date.parse takes almost anything ("-1" is a year); an HTTP date always names its weekday.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed ? trimmed : undefined;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
