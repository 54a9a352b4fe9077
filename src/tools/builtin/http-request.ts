import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { parseJson } from '../../contracts/index.ts';
import { abortableSleep, assertNever, fullJitterDelay, retryAfterMs } from '../../core/index.ts';
import type { ToolResult } from '../../runtime/index.ts';
import { BaseToolConfigSchema, defineBuiltinTool, errorResult, textResult } from '../builtin-tool.ts';
import { type HttpSendOutcome, sendHttpRequest } from './http-send.ts';

export const HTTP_REQUEST_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpRequestMethod = (typeof HTTP_REQUEST_METHODS)[number];

/** RFC 9110 §9.2.2: repeating these has the effect of sending them once. */
const IDEMPOTENT_METHODS: ReadonlySet<HttpRequestMethod> = new Set([
  'GET',
  'HEAD',
  'PUT',
  'DELETE',
  'OPTIONS',
]);

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
export const DEFAULT_HTTP_RETRIES = 2;
/** Answers that say "try again later" rather than "no". */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);
const RETRY_BASE_MS = 200;
const RETRY_CAP_MS = 5_000;
/** A server asking for a longer wait than this gets its answer passed on instead. */
const MAX_RETRY_AFTER_MS = 10_000;
const USER_AGENT = 'agenticai-http-request';
/** Response headers worth showing the model; the rest is noise in its context. */
const REPORTED_HEADERS = [
  'content-type',
  'content-length',
  'location',
  'etag',
  'last-modified',
  'retry-after',
];

export const HttpRequestArgsSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http: or https: URL' })
    .max(8192)
    .describe('Absolute http: or https: URL'),
  method: z.enum(HTTP_REQUEST_METHODS).default('GET').describe('HTTP method'),
  headers: z.record(z.string(), z.string()).optional().describe('Request headers'),
  body: z
    .union([
      z.string(),
      z.record(z.string(), z.unknown()),
      z.array(z.unknown()),
      z.number(),
      z.boolean(),
      z.null(),
    ])
    .optional()
    .describe('Request body: a string is sent as is; any other JSON value is sent as JSON'),
});
export type HttpRequestArgs = z.output<typeof HttpRequestArgsSchema>;

export const HttpRequestConfigSchema = BaseToolConfigSchema.extend({
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .max(600_000)
    .default(DEFAULT_HTTP_TIMEOUT_MS)
    .describe('Limit for the whole exchange, response body included'),
  internal: z
    .boolean()
    .default(false)
    .describe('May call private, loopback and link-local addresses (refused by default: SSRF guard)'),
  allowedHosts: z
    .array(z.string().min(1).max(253))
    .optional()
    .describe('Hostnames this reference may call; any host when absent'),
  maxResponseBytes: z
    .number()
    .int()
    .min(1)
    .max(16 * 1024 * 1024)
    .default(DEFAULT_MAX_RESPONSE_BYTES)
    .describe('Response bytes kept; the rest is dropped with a marker'),
  retries: z
    .number()
    .int()
    .min(0)
    .max(5)
    .default(DEFAULT_HTTP_RETRIES)
    .describe(
      'Extra attempts, with exponential backoff and jitter (or the Retry-After asked for), for an ' +
        'idempotent call that could not connect or got 408, 429, 502, 503 or 504; a call that is not ' +
        'idempotent is never repeated',
    ),
});

/**
 * Calls an HTTP endpoint. Idempotent per call: GET, HEAD, PUT, DELETE and OPTIONS are, POST and
 * PATCH are not, unless the reference's `config.idempotent` says otherwise; an idempotent call
 * carries `Idempotency-Key` so the server can recognise a repeat after a crash. Statically
 * `idempotent: false`, since the method is only known per call.
 */
export const httpRequestTool = defineBuiltinTool({
  name: 'http_request',
  description:
    'Sends an HTTP request and returns the status and response body. 4xx and 5xx answers are errors.',
  args: HttpRequestArgsSchema,
  config: HttpRequestConfigSchema,
  idempotent: false,
  async run(args, { signal, idempotencyKey, config }) {
    const url = new URL(args.url);
    const target = `${args.method} ${url.origin}${url.pathname}`;
    if (config.allowedHosts && !isAllowedHost(url, config.allowedHosts)) {
      return errorResult(
        `${target}: host "${url.hostname}" is not allowed (allowed hosts: ${config.allowedHosts.join(', ')})`,
      );
    }
    const idempotent = config.idempotent ?? IDEMPOTENT_METHODS.has(args.method);
    const { headers, body } = encodeRequest(args, idempotent ? idempotencyKey : undefined);
    const request = {
      url,
      method: args.method,
      headers,
      body,
      timeoutMs: config.timeoutMs,
      // A few bytes more than shown, to cut the text at a character boundary.
      keepBytes: config.maxResponseBytes + 3,
      internal: config.internal,
    };
    const outcome = await sendWithRetries(request, idempotent ? config.retries : 0, signal);
    switch (outcome.kind) {
      case 'response':
        return toResult(outcome, config.maxResponseBytes);
      case 'timeout':
        return errorResult(`${target}: no complete response within ${config.timeoutMs} ms`);
      case 'failed':
        return errorResult(`${target} failed: ${outcome.message}`);
      default:
        return assertNever(outcome);
    }
  },
});

/**
 * Sends, and sends again while the outcome is transient and attempts remain. The last outcome is
 * returned whatever it is, so the model sees what the server finally said.
 */
async function sendWithRetries(
  request: Parameters<typeof sendHttpRequest>[0],
  retries: number,
  signal: AbortSignal,
): Promise<HttpSendOutcome> {
  for (let attempt = 0; ; attempt++) {
    const outcome = await sendHttpRequest(request, signal);
    if (attempt >= retries) return outcome;
    const delayMs = transientDelay(outcome, attempt);
    if (delayMs === undefined) return outcome;
    await abortableSleep(delayMs, signal);
  }
}

/** How long to wait before trying again, or undefined when the outcome is final. */
function transientDelay(outcome: HttpSendOutcome, attempt: number): number | undefined {
  const backoff = () => fullJitterDelay(attempt, Math.random, RETRY_BASE_MS, RETRY_CAP_MS);
  if (outcome.kind === 'failed') return outcome.sent ? backoff() : undefined;
  if (outcome.kind !== 'response' || !TRANSIENT_STATUSES.has(outcome.status)) return undefined;
  const asked = retryAfterMs(outcome.headers, Date.now());
  if (asked === undefined) return backoff();
  return asked <= MAX_RETRY_AFTER_MS ? asked : undefined;
}

function isAllowedHost(url: URL, allowedHosts: readonly string[]): boolean {
  const normalise = (host: string) =>
    host
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/\.$/, '');
  const host = normalise(url.hostname);
  return allowedHosts.some((allowed) => normalise(allowed) === host);
}

function encodeRequest(
  args: HttpRequestArgs,
  idempotencyKey: string | undefined,
): { headers: Record<string, string>; body: Buffer | undefined } {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(args.headers ?? {})) headers[name.toLowerCase()] = value;
  let body: Buffer | undefined;
  if (typeof args.body === 'string') body = Buffer.from(args.body);
  else if (args.body !== undefined) {
    body = Buffer.from(JSON.stringify(args.body));
    headers['content-type'] ??= 'application/json';
  }
  delete headers['content-length'];
  if (body) headers['content-length'] = String(body.length);
  // The platform's key wins over one the model made up: only it is stable across a crash.
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
  return { headers, body };
}

function toResult(response: Extract<HttpSendOutcome, { kind: 'response' }>, maxBytes: number): ToolResult {
  const cut = utf8Boundary(response.body, maxBytes);
  const text = response.body.subarray(0, cut).toString('utf8');
  const truncatedBytes = response.totalBytes - cut;
  const contentType = response.headers['content-type'] ?? '';
  const structured = {
    status: response.status,
    headers: reportedHeaders(response.headers),
    body: /\bjson\b/i.test(contentType) && truncatedBytes === 0 ? jsonOrText(text) : text,
    ...(truncatedBytes > 0 ? { truncatedBytes } : {}),
  };
  const statusLine = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const marker = truncatedBytes > 0 ? `…[truncated ${truncatedBytes} bytes]` : '';
  const message = text || marker ? `${statusLine}\n\n${text}${marker}` : statusLine;
  return response.status >= 400 ? errorResult(message, structured) : textResult(message, structured);
}

/** The largest prefix of at most `limit` bytes that does not split a UTF-8 sequence. */
function utf8Boundary(bytes: Buffer, limit: number): number {
  if (bytes.length <= limit) return bytes.length;
  let cut = limit;
  // A continuation byte (10xxxxxx) at the cut belongs to a character that started before it.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut;
}

function jsonOrText(text: string): unknown {
  const json = parseJson(text);
  return json.ok ? json.value : text;
}

function reportedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const reported: Record<string, string> = {};
  for (const name of REPORTED_HEADERS) {
    const value = headers[name];
    if (value !== undefined) reported[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return reported;
}
