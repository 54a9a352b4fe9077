import {
  durationToMs,
  type HttpToolConfig,
  parseJson,
  type SecretRef,
  type ToolAuthentication,
} from '../../contracts/index.ts';
import { type HttpSendOutcome, sendHttpRequest } from '../builtin/http-send.ts';
import { renderBody, renderText, usedArguments } from './templates.ts';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_REDIRECTS = 3;
const USER_AGENT = 'agenticai-tool-gateway';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** What a call of an HTTP tool came to. */
export interface HttpToolOutcome {
  isError: boolean;
  text: string;
  structured?: unknown;
  /** The answer was longer than the cap: `text` was cut. */
  truncated: boolean;
}

export interface HttpToolCall {
  /** The tool's name, for messages. */
  name: string;
  config: HttpToolConfig;
  authentication?: ToolAuthentication | undefined;
  args: Record<string, unknown>;
  signal: AbortSignal;
  /** Sent as `Idempotency-Key` when the call may be repeated after a crash. */
  idempotencyKey?: string | undefined;
  /** W3C trace context, sent as the `traceparent` header. */
  traceparent?: string | undefined;
  /** Reads a secret into this call; throws NOT_FOUND naming a missing one. */
  secret: (ref: SecretRef) => Promise<string>;
  /** A bearer token for oauth2-client-credentials (cached by the caller). */
  oauthToken: (
    auth: ToolAuthentication,
    secret: string,
    internal: boolean,
    signal: AbortSignal,
  ) => Promise<string>;
  maxResultBytes: number;
}

/**
 * Calls a `type: http` tool: fills the endpoint, query, headers and body from the arguments,
 * injects its credentials, sends it through the SSRF guard (every redirect hop too) within the
 * tool's timeout, and turns the answer into a result: 4xx / 5xx are errors the model can read;
 * a JSON answer may be narrowed by `response.pointer`; anything past the cap is cut with a marker.
 */
export async function callHttpTool(call: HttpToolCall): Promise<HttpToolOutcome> {
  const { config, args } = call;
  const method = config.method ?? 'POST';
  let url: URL;
  try {
    url = new URL(renderText(config.endpoint, args, encodeURIComponent));
  } catch {
    return failure(`${call.name}: the endpoint is not a URL once filled in`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return failure(`${call.name}: only http and https endpoints are called`);
  const used = usedArguments([config.endpoint, config.query, config.headers, config.body]);
  for (const [name, template] of Object.entries(config.query ?? {}))
    url.searchParams.set(name, renderText(template, args));
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    accept: 'application/json, text/*;q=0.9, */*;q=0.5',
  };
  for (const [name, template] of Object.entries(config.headers ?? {})) {
    const value = renderText(template, args);
    if (/[\r\n]/.test(value)) return failure(`${call.name}: header ${name} would hold a line break`);
    headers[name.toLowerCase()] = value;
  }
  let body: Buffer | undefined;
  const sendsBody = method !== 'GET' && method !== 'DELETE';
  if (sendsBody) {
    const value = config.body === undefined ? args : renderBody(config.body, args);
    body = Buffer.from(JSON.stringify(value ?? null));
    headers['content-type'] = 'application/json';
  } else if (config.query === undefined && !config.endpoint.includes('{{')) {
    // A GET tool that maps nothing gets its scalar arguments as the query string.
    for (const [name, value] of Object.entries(args))
      if (!used.has(name) && value !== null && typeof value !== 'object')
        url.searchParams.set(name, String(value));
  }
  if (call.idempotencyKey) headers['idempotency-key'] = call.idempotencyKey;
  if (call.traceparent) headers.traceparent = call.traceparent;
  const internal = config.internal === true;
  if (call.authentication) {
    try {
      Object.assign(headers, await credentials(call, call.authentication, internal));
    } catch (error) {
      return failure(`${call.name}: credentials unavailable: ${(error as Error).message}`);
    }
  }

  const timeoutMs = config.timeout ? durationToMs(config.timeout) : DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const maxRedirects = config.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let current = { url, method: method as string, body };
  for (let hop = 0; ; hop++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return failure(`${call.name}: no answer within ${timeoutMs} ms`);
    const outcome: HttpSendOutcome = await sendHttpRequest(
      {
        url: current.url,
        method: current.method,
        headers,
        body: current.body,
        timeoutMs: remaining,
        keepBytes: call.maxResultBytes + 3,
        internal,
      },
      call.signal,
    );
    if (outcome.kind === 'timeout') return failure(`${call.name}: no answer within ${timeoutMs} ms`);
    if (outcome.kind === 'failed') return failure(`${call.name}: ${outcome.message}`);
    if (REDIRECTS.has(outcome.status) && typeof outcome.headers.location === 'string') {
      if (hop >= maxRedirects)
        return failure(
          `${call.name}: more than ${maxRedirects} redirects (last to ${outcome.headers.location})`,
        );
      const next = new URL(outcome.headers.location, current.url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        return failure(`${call.name}: redirected to a ${next.protocol} URL`);
      // Credentials stay with the origin they were meant for.
      if (next.origin !== current.url.origin) {
        delete headers.authorization;
        if (call.authentication?.type === 'header')
          delete headers[(call.authentication.header ?? 'x-api-key').toLowerCase()];
      }
      const keepsBody = outcome.status === 307 || outcome.status === 308;
      current = {
        url: next,
        method: keepsBody ? current.method : 'GET',
        body: keepsBody ? current.body : undefined,
      };
      if (!keepsBody) delete headers['content-type'];
      continue;
    }
    return toOutcome(call, outcome);
  }
}

async function credentials(
  call: HttpToolCall,
  auth: ToolAuthentication,
  internal: boolean,
): Promise<Record<string, string>> {
  const secret = await call.secret(auth.secretRef);
  switch (auth.type) {
    case 'bearer':
      return { authorization: `Bearer ${secret}` };
    case 'header':
      return { [(auth.header ?? 'X-Api-Key').toLowerCase()]: secret };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${secret}`).toString('base64')}` };
    case 'oauth2-client-credentials':
      return { authorization: `Bearer ${await call.oauthToken(auth, secret, internal, call.signal)}` };
  }
}

function toOutcome(
  call: HttpToolCall,
  response: Extract<HttpSendOutcome, { kind: 'response' }>,
): HttpToolOutcome {
  const cap = call.maxResultBytes;
  const truncated = response.totalBytes > cap;
  const kept = response.body
    .subarray(0, cap)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  const marker = truncated
    ? `\n…[truncated: ${response.totalBytes} bytes, more than the limit of ${cap}]`
    : '';
  if (response.status >= 400)
    return {
      isError: true,
      truncated,
      text: `${call.name}: HTTP ${response.status} ${response.statusText}\n${kept}${marker}`,
    };
  const type = String(response.headers['content-type'] ?? '');
  if (!truncated && type.includes('json')) {
    const parsed = parseJson(kept);
    if (parsed.ok) {
      const pointer = call.config.response?.pointer;
      const value = pointer ? resolvePointer(parsed.value, pointer) : parsed.value;
      if (value === undefined)
        return {
          isError: true,
          truncated: false,
          text: `${call.name}: the answer has nothing at ${pointer}`,
        };
      return { isError: false, truncated: false, text: JSON.stringify(value), structured: value };
    }
  }
  return { isError: false, truncated, text: `${kept}${marker}` };
}

/** RFC 6901. */
export function resolvePointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  let current = value;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) current = current[Number(key)];
    else if (current && typeof current === 'object') current = (current as Record<string, unknown>)[key];
    else return undefined;
  }
  return current;
}

const failure = (text: string): HttpToolOutcome => ({ isError: true, text, truncated: false });
