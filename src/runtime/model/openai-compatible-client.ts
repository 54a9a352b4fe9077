import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import {
  abortableSleep,
  activeTraceparent,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_CAP_MS,
  fullJitterDelay,
  retryAfterMs,
} from '../../core/index.ts';
import {
  type ChatOptions,
  type ChatRequest,
  type ChatResult,
  type ModelClient,
  ModelRequestError,
  type ModelTarget,
  ModelUnavailableError,
} from '../ports.ts';
import { CallScope } from './call-scope.ts';
import { ChatCompletionSchema, parseUpstreamJson, toChatResult, toWireBody } from './chat-completion-wire.ts';
import { readChatStream } from './chat-stream-reader.ts';
import { CircuitBreaker, type CircuitPermit } from './circuit-breaker.ts';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import {
  BodyTooLargeError,
  createKeepAliveAgents,
  type HttpAgents,
  postJson,
  readBody,
} from './http-exchange.ts';
import { malformedResponse, networkFailure, RetryableFailure, statusFailure } from './upstream-failure.ts';

export const DEFAULT_MODEL_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface OpenAICompatibleModelClientOptions {
  /** Milliseconds; drives the retry budget and the circuit breakers' cool-downs. */
  now?: () => number;
  /** In [0, 1); drives backoff jitter. */
  random?: () => number;
  /** Waits between attempts; must reject with `signal.reason` when it aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  breakerThreshold?: number;
  breakerCooldownMs?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Largest non-streaming body (and largest single stream event) accepted; default 16 MiB. */
  maxResponseBytes?: number;
}

/** One call's fixed parts, shared by its attempts. */
interface Exchange {
  backend: string;
  url: URL;
  body: string;
  headers: OutgoingHttpHeaders;
  onToken: ((delta: string) => void) | undefined;
}

/**
 * `ModelClient` over an OpenAI-compatible `POST {endpoint}/chat/completions` (OpenAI, vLLM,
 * Ollama, a gateway), with node:http keep-alive agents.
 *
 * - Streams (SSE) when `onToken` is given, else one JSON answer. A server that ignores
 *   `stream: true` and answers JSON is accepted: its text reaches `onToken` as one delta.
 * - Retries 429 / 500 / 502 / 503 / 504 and refused or reset connections with full-jitter
 *   exponential backoff, or after `Retry-After` when the server sends it, until `timeoutMs` has
 *   passed since the call began; then, or as soon as the next wait would end past it, throws
 *   `ModelUnavailableError`. Once a stream has delivered part of the answer it is never retried
 *   (tokens would repeat); from then on the limit is `timeoutMs` without progress.
 * - Other non-2xx answers throw `ModelRequestError` with the upstream status and message; a body
 *   that is not a chat completion throws `ModelRequestError` 502. Neither is retried.
 * - One circuit breaker per `target.backend`, fed by every attempt: 5xx, timeouts and network
 *   errors count as failures, any answer below 500 other than 429 as success, 429 and aborts as
 *   neither (a rate limit says the backend is up). While open, calls throw
 *   `ModelUnavailableError` ("circuit open") without sending anything.
 * - `target.maxConcurrency` bounds attempts in flight per backend; waiters queue in order and
 *   leave the queue when aborted or out of time.
 * - Aborting `options.signal` destroys the in-flight request and rejects with the signal's reason.
 */
export class OpenAICompatibleModelClient implements ModelClient {
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #breakerThreshold: number | undefined;
  readonly #breakerCooldownMs: number | undefined;
  readonly #backoffBaseMs: number;
  readonly #backoffCapMs: number;
  readonly #maxResponseBytes: number;
  readonly #agents: HttpAgents = createKeepAliveAgents();
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #limiters = new Map<string, ConcurrencyLimiter>();

  constructor(options: OpenAICompatibleModelClientOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#breakerThreshold = options.breakerThreshold;
    this.#breakerCooldownMs = options.breakerCooldownMs;
    this.#backoffBaseMs = options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.#backoffCapMs = options.backoffCapMs ?? DEFAULT_BACKOFF_CAP_MS;
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  async chat(target: ModelTarget, request: ChatRequest, options: ChatOptions): Promise<ChatResult> {
    options.signal.throwIfAborted();
    const timeoutMs = target.timeoutMs > 0 ? target.timeoutMs : DEFAULT_MODEL_TIMEOUT_MS;
    const deadline = this.#now() + timeoutMs;
    const exchange = this.#exchangeFor(target, request, options);
    const call = new CallScope(options.signal, timeoutMs);
    let lastFailure: RetryableFailure | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.#attempt(target, exchange, call);
        } catch (error) {
          lastFailure = this.#retryableOrThrow(error, exchange.backend, call, timeoutMs, lastFailure);
        }
        const delayMs =
          lastFailure.retryAfterMs ??
          fullJitterDelay(attempt, this.#random, this.#backoffBaseMs, this.#backoffCapMs);
        // Waiting past the deadline cannot help: say so now rather than when the time is up.
        if (delayMs >= deadline - this.#now()) throw timedOut(exchange.backend, timeoutMs, call, lastFailure);
        try {
          await this.#sleep(delayMs, call.signal);
        } catch (error) {
          this.#retryableOrThrow(error, exchange.backend, call, timeoutMs, lastFailure);
          throw error;
        }
      }
    } finally {
      call.dispose();
    }
  }

  /** Closes idle keep-alive sockets; calls still in flight finish on theirs. */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  #exchangeFor(target: ModelTarget, request: ChatRequest, options: ChatOptions): Exchange {
    let url: URL;
    try {
      url = new URL(`${target.endpoint.replace(/\/+$/, '')}/chat/completions`);
    } catch (error) {
      throw new ModelUnavailableError(
        target.backend,
        `model backend "${target.backend}" has an invalid endpoint`,
        {
          cause: error,
        },
      );
    }
    const streaming = options.onToken !== undefined;
    const headers: OutgoingHttpHeaders = {
      accept: streaming ? 'text/event-stream' : 'application/json',
      'idempotency-key': options.idempotencyKey,
    };
    if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
    const traceparent = activeTraceparent();
    if (traceparent) headers.traceparent = traceparent;
    return {
      backend: target.backend,
      url,
      body: toWireBody(request, streaming),
      headers,
      onToken: options.onToken,
    };
  }

  /** Returns the failure if another attempt may fix it; throws what the caller should see otherwise. */
  #retryableOrThrow(
    error: unknown,
    backend: string,
    call: CallScope,
    timeoutMs: number,
    lastFailure: RetryableFailure | undefined,
  ): RetryableFailure {
    if (call.callerAborted) throw call.callerReason;
    if (call.timedOut)
      throw timedOut(
        backend,
        timeoutMs,
        call,
        error instanceof RetryableFailure ? error : (lastFailure ?? error),
      );
    if (error instanceof RetryableFailure) return error;
    throw error;
  }

  async #attempt(target: ModelTarget, exchange: Exchange, call: CallScope): Promise<ChatResult> {
    const release = await this.#slot(target, call.signal);
    try {
      const breaker = this.#breakerFor(exchange.backend);
      const permit = breaker.acquire();
      if (!permit)
        throw new ModelUnavailableError(
          exchange.backend,
          `circuit open for model backend "${exchange.backend}" (retry in ${breaker.retryInMs} ms)`,
        );
      try {
        const result = await this.#send(exchange, call);
        permit.success();
        return result;
      } catch (error) {
        settle(permit, error, call);
        throw error;
      }
    } finally {
      release?.();
    }
  }

  async #slot(target: ModelTarget, signal: AbortSignal): Promise<(() => void) | undefined> {
    if (target.maxConcurrency === undefined) return undefined;
    let limiter = this.#limiters.get(target.backend);
    if (!limiter) {
      limiter = new ConcurrencyLimiter(target.maxConcurrency);
      this.#limiters.set(target.backend, limiter);
    } else {
      limiter.limit = target.maxConcurrency;
    }
    return limiter.acquire(signal);
  }

  /** Each backend's circuit state (for the metrics). */
  circuits(): Array<{ backend: string; state: string }> {
    return [...this.#breakers].map(([backend, breaker]) => ({ backend, state: breaker.state }));
  }

  #breakerFor(backend: string): CircuitBreaker {
    let breaker = this.#breakers.get(backend);
    if (!breaker) {
      breaker = new CircuitBreaker({
        now: this.#now,
        ...(this.#breakerThreshold === undefined ? {} : { threshold: this.#breakerThreshold }),
        ...(this.#breakerCooldownMs === undefined ? {} : { cooldownMs: this.#breakerCooldownMs }),
      });
      this.#breakers.set(backend, breaker);
    }
    return breaker;
  }

  async #send(exchange: Exchange, call: CallScope): Promise<ChatResult> {
    let response: IncomingMessage;
    try {
      response = await postJson(exchange.url, exchange.body, exchange.headers, this.#agents, call.signal);
    } catch (error) {
      throw networkFailure(exchange.backend, error);
    }
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const body = await this.#body(exchange, response);
      throw statusFailure(exchange.backend, status, body, retryAfterMs(response.headers, this.#now()));
    }
    if (exchange.onToken && isEventStream(response.headers))
      return readChatStream(response, {
        backend: exchange.backend,
        onToken: exchange.onToken,
        onProgress: () => call.progress(),
        maxEventChars: this.#maxResponseBytes,
      });
    const parsed = parseUpstreamJson(ChatCompletionSchema, await this.#body(exchange, response));
    if (!parsed.ok) throw malformedResponse(exchange.backend, parsed.problem);
    const result = toChatResult(parsed.value);
    // A server that ignored `stream: true` answered in one piece: pass it on as one delta.
    if (exchange.onToken && result.message.content) exchange.onToken(result.message.content);
    return result;
  }

  async #body(exchange: Exchange, response: IncomingMessage): Promise<string> {
    try {
      return await readBody(response, this.#maxResponseBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw malformedResponse(exchange.backend, error.message);
      throw new RetryableFailure('connection failed while reading the response', 'failure', undefined, {
        cause: error,
      });
    }
  }
}

function timedOut(
  backend: string,
  timeoutMs: number,
  call: CallScope,
  cause: unknown,
): ModelUnavailableError {
  const what = call.streaming
    ? `stream stalled: nothing for ${timeoutMs} ms`
    : `did not answer within ${timeoutMs} ms`;
  const last = cause instanceof RetryableFailure ? ` (last failure: ${cause.message})` : '';
  return new ModelUnavailableError(backend, `model backend "${backend}" ${what}${last}`, { cause });
}

/** Tells the breaker what an attempt's failure says about the backend. */
function settle(permit: CircuitPermit, error: unknown, call: CallScope): void {
  if (call.callerAborted) permit.release();
  else if (call.timedOut || error instanceof ModelUnavailableError) permit.failure();
  else if (error instanceof RetryableFailure) {
    if (error.verdict === 'failure') permit.failure();
    else permit.release();
  } else if (error instanceof ModelRequestError) {
    if (error.status >= 500) permit.failure();
    else permit.success();
  } else permit.release();
}

function isEventStream(headers: IncomingHttpHeaders): boolean {
  return (headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream');
}
