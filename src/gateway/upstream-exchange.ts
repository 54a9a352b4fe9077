import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { durationToMs } from '../contracts/index.ts';
import { activeTraceparent, retryAfterMs } from '../core/index.ts';
import {
  CallScope,
  ConcurrencyLimiter,
  createKeepAliveAgents,
  DEFAULT_MODEL_TIMEOUT_MS,
  type HttpAgents,
  postJson,
  readBody,
} from '../runtime/index.ts';
import { GatewayError } from './openai-wire.ts';
import type { GatewayBackend } from './ports.ts';
import { malformedUpstream, upstreamCallError, upstreamStatusError } from './upstream-errors.ts';

/** An upstream answer with a 2xx status line; the owner must `close()` it once. */
export interface Exchange {
  response: IncomingMessage;
  call: CallScope;
  /** Aborts the upstream request (the caller went away). */
  cancel: () => void;
  /** Frees the backend's concurrency slot and the call's timers; idempotent. */
  close: () => void;
}

/** The local queue of a backend is full: fail over, but the backend itself did nothing wrong. */
export const BACKEND_BUSY = 'backend_busy';

/**
 * Keep-alive connections and per-backend concurrency limits, shared by every call of the process.
 * One `open` is one HTTP request to one backend.
 */
export class UpstreamPool {
  readonly #agents: HttpAgents = createKeepAliveAgents();
  readonly #limiters = new Map<string, ConcurrencyLimiter>();
  readonly #urls = new Map<string, URL>();
  readonly #maxResponseBytes: number;

  constructor(maxResponseBytes: number) {
    this.#maxResponseBytes = maxResponseBytes;
  }

  /**
   * Sends the request and waits for a 2xx status line. Throws a GatewayError for everything else:
   * upstream 4xx as sent, 5xx / unreachable 502, past the timeout 504, local queue full 503
   * (`backend_busy`); a 429 or 503 carries the backend's Retry-After. Rethrows the caller's abort
   * reason unchanged.
   */
  async open(
    backend: GatewayBackend,
    path: string,
    body: string,
    streaming: boolean,
    signal: AbortSignal,
  ): Promise<Exchange> {
    const { spec, name } = backend;
    if (backend.apiKeyProblem)
      throw new GatewayError(502, {
        message: `model backend "${name}" has no usable API key: ${backend.apiKeyProblem}`,
        type: 'upstream_error',
        code: 'backend_misconfigured',
      });
    const timeoutMs = timeoutOf(backend);
    // The wait for a slot is not the backend's time: its limit starts once the call may go.
    const release =
      spec.maxConcurrency === undefined ? () => undefined : await this.#acquire(backend, timeoutMs, signal);
    const call = new CallScope(signal, timeoutMs);
    const close = () => {
      call.dispose();
      release();
    };
    try {
      const headers: OutgoingHttpHeaders = { accept: streaming ? 'text/event-stream' : 'application/json' };
      if (backend.apiKey) headers.authorization = `Bearer ${backend.apiKey}`;
      const traceparent = activeTraceparent();
      if (traceparent) headers.traceparent = traceparent;
      const url = this.#url(spec.endpoint, path);
      const response = await postJson(url, body, headers, this.#agents, call.signal);
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        const text = await this.read(backend, response, call);
        const error = upstreamStatusError(name, status, text);
        const after = retryAfterMs(response.headers, Date.now());
        throw after === undefined
          ? error
          : new GatewayError(
              error.status,
              { message: error.message, type: error.type, param: error.param, code: error.code },
              { retryAfterMs: after, cause: error.cause },
            );
      }
      return { response, call, cancel: () => call.cancel(new Error('client disconnected')), close };
    } catch (error) {
      close();
      throw upstreamCallError(name, error, call, timeoutMs);
    }
  }

  /** The whole body; a body the backend broke off (or too large) is a 502, a timeout a 504. */
  async read(backend: GatewayBackend, response: IncomingMessage, call: CallScope): Promise<string> {
    try {
      return await readBody(response, this.#maxResponseBytes);
    } catch (error) {
      if (call.timedOut || call.callerAborted)
        throw upstreamCallError(backend.name, error, call, timeoutOf(backend));
      throw malformedUpstream(backend.name, (error as Error).message);
    }
  }

  /** Parsed once per endpoint and path: `new URL` costs more than the rest of the request line. */
  #url(endpoint: string, path: string): URL {
    const key = endpoint + path;
    let url = this.#urls.get(key);
    if (!url) {
      url = new URL(`${endpoint.replace(/\/+$/, '')}${path}`);
      if (this.#urls.size >= 10_000) this.#urls.clear();
      this.#urls.set(key, url);
    }
    return url;
  }

  /** Closes idle keep-alive sockets to backends. */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  /**
   * A concurrency slot of the backend; a 503 `backend_busy` if its queue is full, or if no slot
   * frees within the backend's timeout (the backend is not failing, only busy: fail over).
   */
  async #acquire(backend: GatewayBackend, timeoutMs: number, signal: AbortSignal): Promise<() => void> {
    const limit = backend.spec.maxConcurrency ?? 1;
    let limiter = this.#limiters.get(backend.key);
    if (!limiter) {
      limiter = new ConcurrencyLimiter(limit);
      this.#limiters.set(backend.key, limiter);
    } else limiter.limit = limit;
    const maxQueue = backend.spec.maxQueue;
    const busy = (why: string) =>
      new GatewayError(
        503,
        {
          message: `model backend "${backend.name}" is busy: ${why}`,
          type: 'upstream_error',
          code: BACKEND_BUSY,
        },
        { retryAfterMs: 1_000 },
      );
    if (maxQueue !== undefined && limiter.active >= limit && limiter.waiting >= maxQueue)
      throw busy(`${limit} calls in flight and ${maxQueue} waiting`);
    const waited = AbortSignal.timeout(timeoutMs);
    try {
      return await limiter.acquire(AbortSignal.any([signal, waited]));
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (waited.aborted) throw busy(`no slot of ${limit} freed within ${timeoutMs} ms`);
      throw error;
    }
  }
}

export function timeoutOf(backend: GatewayBackend): number {
  return backend.spec.timeout ? durationToMs(backend.spec.timeout) : DEFAULT_MODEL_TIMEOUT_MS;
}
