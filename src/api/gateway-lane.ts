import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context as otel } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { contextFromTraceparent } from '../core/index.ts';
import {
  type CallOptions,
  ChatCompletionRequestSchema,
  EmbeddingsRequestSchema,
  GatewayError,
  type ModelGateway,
  parseRequest,
} from '../gateway/index.ts';
import type { Authenticator, Caller } from '../identity/index.ts';
import {
  authorizeModelCall,
  isServerFault,
  openAIErrorParts,
  parseJsonBody,
  SSE_HEADERS,
  servedHeaders,
} from './openai-http.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_TYPE = 'application/json';

export interface GatewayLaneDeps {
  authenticator: Authenticator;
  gateway: ModelGateway;
  logger: Logger;
  bodyLimitBytes: number;
}

/** Serves a request and returns true, or returns false to leave it to the next handler. */
export type NativeLane = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * `POST /v1/chat/completions` and `POST /v1/embeddings` on node:http directly, ahead of Hono: the
 * model gateway is the platform's hottest path, and the web-standard Request / Response objects
 * Hono builds cost more than the whole pass-through. Everything else about the request is as in
 * Hono: request ids, authentication and `models:invoke`, the body limit, OpenAI error objects, one
 * access-log line. A client that disconnects aborts the gateway call (and so the upstream one);
 * streams are written with backpressure.
 */
export function gatewayLane(deps: GatewayLaneDeps): NativeLane {
  return (request, response) => {
    if (request.method !== 'POST') return false;
    const path = request.url?.split('?', 1)[0];
    if (path !== '/v1/chat/completions' && path !== '/v1/embeddings') return false;
    // A client's W3C traceparent: the call's LLM.Invoke span hangs under its span.
    const header = request.headers.traceparent;
    const parent = contextFromTraceparent(typeof header === 'string' ? header : undefined);
    if (parent) void otel.with(parent, () => serve(deps, path, request, response));
    else void serve(deps, path, request, response);
    return true;
  };
}

async function serve(
  deps: GatewayLaneDeps,
  path: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const incoming = request.headers['x-request-id'];
  const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  const aborted = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) aborted.abort(new Error('client disconnected'));
  });
  let caller: Caller | undefined;
  try {
    const authorized = await authorizeModelCall(deps.authenticator, request.headers.authorization);
    caller = authorized.caller;
    const body = parseJsonBody(await readBody(request, deps.bodyLimitBytes));
    const options: CallOptions = {
      pin: header(request, 'x-model-id'),
      cacheControl: header(request, 'cache-control'),
      sensitivity: sensitivityOf(header(request, 'x-sensitivity-level')),
    };
    const signal = aborted.signal;
    if (path === '/v1/embeddings') {
      const parsed = parseRequest(EmbeddingsRequestSchema, body);
      const result = await deps.gateway.embeddings(authorized.gatewayCaller, parsed, signal, options);
      sendJson(response, 200, result.body, { ...servedHeaders(result.served), 'x-request-id': requestId });
    } else {
      const parsed = parseRequest(ChatCompletionRequestSchema, body);
      const result = await deps.gateway.chat(authorized.gatewayCaller, parsed, signal, options);
      const headers = { ...servedHeaders(result.served), 'x-request-id': requestId };
      if (result.kind === 'json') sendJson(response, 200, result.body, headers);
      else await pipeStream(result.stream, response, { ...SSE_HEADERS, ...headers });
    }
  } catch (error) {
    if (aborted.signal.aborted || response.headersSent) {
      response.destroy();
    } else {
      const { status, body, headers, code } = openAIErrorParts(error, requestId);
      if (isServerFault(status, error)) deps.logger.error({ err: error, requestId }, 'request failed');
      else deps.logger.debug({ status, code, requestId }, 'request rejected');
      sendJson(response, status, body, headers);
    }
  } finally {
    if (deps.logger.isLevelEnabled('info'))
      deps.logger.info(
        {
          requestId,
          method: 'POST',
          path,
          status: response.statusCode,
          durationMs: Math.round((performance.now() - started) * 100) / 100,
          ...(caller ? { tenant: caller.tenantName, principal: caller.principalName } : {}),
        },
        'request',
      );
  }
}

/** `x-sensitivity-level`: 1 (public, the default), 2 (internal) or 3 (confidential). */
function sensitivityOf(value: string | null): number {
  if (value === null) return 1;
  if (value === '1' || value === '2' || value === '3') return Number(value);
  throw new GatewayError(400, {
    message: 'x-sensitivity-level must be 1 (public), 2 (internal) or 3 (confidential)',
    type: 'invalid_request_error',
    param: 'x-sensitivity-level',
    code: 'invalid_value',
  });
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' ? value : null;
}

/** The body as text; past `limit` bytes (declared or sent) a 413 GatewayError. */
function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () =>
      resolve(
        chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'),
      ),
    );
    request.once('error', reject);
  });
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(413, {
    message: `the request body is over the limit of ${limit} bytes`,
    type: 'invalid_request_error',
    code: 'request_too_large',
  });
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': JSON_TYPE,
    ...headers,
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Writes the stream as it comes, pausing while the client's socket is full; cancels it if the client goes. */
async function pipeStream(
  stream: ReadableStream<Uint8Array>,
  response: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  response.writeHead(200, headers);
  response.flushHeaders();
  const reader = stream.getReader();
  const onClose = () => {
    if (!response.writableFinished) reader.cancel().catch(() => undefined);
  };
  response.once('close', onClose);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!response.write(value))
        await new Promise<void>((resolve) => {
          const resume = () => {
            response.off('drain', resume);
            response.off('close', resume);
            resolve();
          };
          response.on('drain', resume);
          response.on('close', resume);
        });
      if (response.destroyed) return;
    }
    response.end();
  } finally {
    response.off('close', onClose);
    reader.releaseLock();
  }
}
