import type { z } from 'zod';
import { ERROR_CODES, type Problem, ProblemSchema } from './errors.ts';
import type { Route, RouteInput, RouteOutput } from './route.ts';
import { type RunEvent, RunEventSchema } from './runs.ts';

/** The server answered with a problem+json (or another non-2xx) body. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }
}

/** The server could not be reached at all. */
export class ConnectionError extends Error {
  readonly url: string;
  constructor(url: string, cause: unknown) {
    super(`cannot reach the server at ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'ConnectionError';
    this.url = url;
  }
}

export interface ClientOptions {
  baseUrl: string;
  apiKey?: string;
  fetch?: typeof fetch;
  userAgent?: string;
}

export interface EventStreamOptions {
  /** Resume after this event id: sent as `Last-Event-ID`, so the stream starts with the next event. */
  lastEventId?: string | number | undefined;
  query?: Record<string, unknown> | undefined;
  signal?: AbortSignal | undefined;
}

/** The most text one Server-Sent Event may hold before the stream is treated as broken. */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

export interface RawResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * Fills `{name}` templates. Every value is percent-encoded, and `.`, `..` and empty values (which
 * URL normalisation would turn into another path) are refused, so a value never changes the route.
 * Throws ApiError INVALID_REQUEST for such a value, as the server would for a malformed name.
 */
export function fillPath(template: string, params: Record<string, unknown> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_match, key: string) => {
    const value = params?.[key];
    if (value === undefined || value === null) throw new TypeError(`missing path parameter ${key}`);
    const text = String(value);
    if (text === '' || text === '.' || text === '..') {
      const detail = `"${text}" is not a valid ${key}`;
      throw new ApiError({
        type: 'about:blank',
        title: 'Invalid request',
        status: 400,
        detail,
        code: 'INVALID_REQUEST',
        errors: [{ pointer: `/params/${key}`, detail }],
      });
    }
    return encodeURIComponent(text);
  });
}

/** JSON.parse that reports failure as a value instead of throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function problemFrom(status: number, text: string, path: string): Problem {
  const json = parseJson(text);
  if (json.ok) {
    const parsed = ProblemSchema.safeParse(json.value);
    if (parsed.success) return parsed.data;
  }
  const code = status === 404 ? 'ROUTE_NOT_FOUND' : status >= 500 ? 'INTERNAL' : 'INVALID_REQUEST';
  return {
    type: 'about:blank',
    title: `HTTP ${status}`,
    status,
    detail: text.slice(0, 500) || `HTTP ${status}`,
    code: ERROR_CODES.includes(code) ? code : 'INTERNAL',
    instance: path,
  };
}

/** A typed client over the route table: the CLI, the console and the SDK talk to the server only through it. */
export class AgenticClient {
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #userAgent: string;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? fetch;
    this.#userAgent = options.userAgent ?? 'agenticai-client';
  }

  /** Calls a route and returns the parsed body. Throws ApiError on a non-2xx answer. */
  async call<R extends Route>(route: R, input: RouteInput<R>): Promise<RouteOutput<R>> {
    return (await this.callRaw(route, input)).body;
  }

  /** Like call, and also returns the status and headers (ETag, x-request-id). */
  async callRaw<R extends Route>(route: R, input: RouteInput<R>): Promise<RawResponse<RouteOutput<R>>> {
    const { params, query, body, headers, signal } = input as {
      params?: Record<string, unknown>;
      query?: Record<string, unknown>;
      body?: unknown;
      headers?: Record<string, string>;
      signal?: AbortSignal;
    };
    return this.send(route.method, fillPath(route.path, params), {
      query,
      body,
      headers,
      signal,
      responseSchema: route.success.schema,
    });
  }

  /** Sends a raw body (e.g. YAML manifests) to a route that accepts one. */
  async send<T>(
    method: string,
    path: string,
    options: {
      query?: Record<string, unknown> | undefined;
      body?: unknown;
      rawBody?: string;
      contentType?: string;
      headers?: Record<string, string> | undefined;
      signal?: AbortSignal | undefined;
      responseSchema?: z.ZodType | undefined;
    } = {},
  ): Promise<RawResponse<T>> {
    const url = this.#url(path, options.query);
    const headers = this.#headers('application/json');
    let requestBody: string | undefined;
    if (options.rawBody !== undefined) {
      requestBody = options.rawBody;
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    } else if (options.body !== undefined) {
      requestBody = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, options.headers);
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: method.toUpperCase(),
        headers,
        body: requestBody,
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ConnectionError(this.baseUrl, error);
    }
    const text = await response.text();
    if (!response.ok) throw new ApiError(problemFrom(response.status, text, url.pathname));
    if (text.length === 0)
      return { status: response.status, body: undefined as T, headers: response.headers };
    const parsed = parseJson(text);
    if (!parsed.ok)
      throw this.#contractError(
        url.pathname,
        `the server sent a body that is not JSON: ${text.slice(0, 200)}`,
      );
    if (options.responseSchema) {
      const checked = options.responseSchema.safeParse(parsed.value);
      if (!checked.success) {
        throw this.#contractError(
          url.pathname,
          `the response does not match the API contract: ${checked.error.message}`,
        );
      }
      return { status: response.status, body: checked.data as T, headers: response.headers };
    }
    return { status: response.status, body: parsed.value as T, headers: response.headers };
  }

  /**
   * Reads a run's Server-Sent Event stream (`GET path`, e.g. `/api/v1/runs/{id}/events`) and
   * yields each event, checked against RunEventSchema, in order; ends when the server ends the
   * stream. One connection: a caller that wants to survive a dropped connection calls again with
   * `lastEventId` set to the last `seq` it received. Throws ApiError for a non-2xx answer or an
   * event that breaks the contract, ConnectionError when the server cannot be reached or the
   * connection drops mid-stream, and the signal's reason when `signal` aborts. Stopping the
   * iteration early closes the connection.
   */
  async *streamEvents(path: string, options: EventStreamOptions = {}): AsyncGenerator<RunEvent> {
    const url = this.#url(path, options.query);
    const headers = this.#headers('text/event-stream');
    if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
    let response: Response;
    try {
      response = await this.#fetch(url, { method: 'GET', headers, signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ConnectionError(this.baseUrl, error);
    }
    if (!response.ok) throw new ApiError(problemFrom(response.status, await response.text(), url.pathname));
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.toLowerCase().startsWith('text/event-stream') || !response.body) {
      await response.body?.cancel();
      throw this.#contractError(url.pathname, `expected text/event-stream, got "${contentType}"`);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const decoder = new SseDataDecoder();
    try {
      for (;;) {
        const chunk = await reader.read().catch((error: unknown) => {
          throw options.signal?.aborted
            ? (options.signal.reason ?? error)
            : new ConnectionError(this.baseUrl, error);
        });
        if (chunk.done) return;
        for (const data of decoder.push(chunk.value)) yield this.#runEvent(url.pathname, data);
        if (decoder.pendingChars > MAX_EVENT_CHARS)
          throw this.#contractError(url.pathname, `an event is larger than ${MAX_EVENT_CHARS} characters`);
      }
    } finally {
      // Stopped early (or failed): close the connection instead of leaving it to the server.
      await reader.cancel().catch(() => undefined);
    }
  }

  #runEvent(path: string, data: string): RunEvent {
    const json = parseJson(data);
    if (!json.ok) throw this.#contractError(path, `an event is not JSON: ${data.slice(0, 200)}`);
    const checked = RunEventSchema.safeParse(json.value);
    if (!checked.success)
      throw this.#contractError(path, `an event does not match the API contract: ${checked.error.message}`);
    return checked.data;
  }

  #url(path: string, query: Record<string, unknown> | undefined): URL {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    return url;
  }

  #headers(accept: string): Record<string, string> {
    const headers: Record<string, string> = { accept, 'user-agent': this.#userAgent };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    return headers;
  }

  #contractError(path: string, detail: string): ApiError {
    return new ApiError({
      type: 'about:blank',
      title: 'Bad response',
      status: 502,
      detail,
      code: 'UPSTREAM_ERROR',
      instance: path,
    });
  }
}

/**
 * Incremental `text/event-stream` parser (WHATWG HTML, server-sent events) fed pieces of the body
 * split anywhere, including between "\r" and "\n". Returns the `data` of each complete event;
 * comments (keep-alives) and the `event` / `id` fields are skipped, since a RunEvent carries its
 * type and seq in its data. An event left without its closing blank line is dropped, as the spec
 * says. `pendingChars` lets the caller bound what a broken server makes it buffer.
 */
class SseDataDecoder {
  #partial = '';
  #skipLineFeed = false;
  #data: string[] = [];
  #dataChars = 0;

  get pendingChars(): number {
    return this.#partial.length + this.#dataChars;
  }

  push(text: string): string[] {
    let input = text;
    if (this.#skipLineFeed && input.startsWith('\n')) input = input.slice(1);
    this.#skipLineFeed = false;
    const events: string[] = [];
    const lineEnd = /\r\n|\r|\n/g;
    let position = 0;
    for (let match = lineEnd.exec(input); match !== null; match = lineEnd.exec(input)) {
      const line = this.#partial + input.slice(position, match.index);
      this.#partial = '';
      position = match.index + match[0].length;
      this.#line(line, events);
    }
    // A "\r" that ends this piece may be the first half of a "\r\n" split across pieces.
    if (position === input.length && input.endsWith('\r')) this.#skipLineFeed = true;
    this.#partial += input.slice(position);
    return events;
  }

  #line(line: string, events: string[]): void {
    if (line === '') {
      if (this.#data.length > 0) events.push(this.#data.join('\n'));
      this.#data = [];
      this.#dataChars = 0;
      return;
    }
    if (line === 'data' || line.startsWith('data:')) {
      const value = line.slice(5);
      const data = value.startsWith(' ') ? value.slice(1) : value;
      this.#data.push(data);
      this.#dataChars += data.length + 1;
    }
  }
}
