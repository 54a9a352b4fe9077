import type { Context, Hono } from 'hono';
import { parseJson } from '../../contracts/index.ts';
import { AppError } from '../../core/index.ts';
import {
  type CallOptions,
  ChatCompletionRequestSchema,
  EmbeddingsRequestSchema,
  type GatewayCaller,
  GatewayError,
  type ModelGateway,
  parseRequest,
  type Served,
} from '../../gateway/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import type { AppEnv } from '../context.ts';
import { toOpenAIError } from '../openai-errors.ts';

/** The permission every /v1 call needs. */
const PERMISSION = 'models:invoke';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

/**
 * The OpenAI-compatible surface (`/v1/chat/completions`, `/v1/embeddings`, `/v1/models`). Raw Hono
 * handlers rather than the route table: these answer OpenAI error objects, not problem+json, and
 * stream the backend's SSE through as it arrives. Authentication and authorization are the same
 * as everywhere else (API key or JWT; `models:invoke`).
 */
export function openAIGatewayRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  gateway: ModelGateway,
): void {
  app.post('/v1/chat/completions', (c) =>
    answer(c, async () => {
      const caller = await authorize(c, authenticator);
      const request = parseRequest(ChatCompletionRequestSchema, await readJson(c));
      const result = await gateway.chat(caller, request, c.req.raw.signal, callOptions(c));
      const headers = servedHeaders(result.served);
      if (result.kind === 'json') return c.json(result.body, 200, headers);
      return new Response(result.stream, { status: 200, headers: { ...SSE_HEADERS, ...headers } });
    }),
  );
  app.post('/v1/embeddings', (c) =>
    answer(c, async () => {
      const caller = await authorize(c, authenticator);
      const request = parseRequest(EmbeddingsRequestSchema, await readJson(c));
      const result = await gateway.embeddings(caller, request, c.req.raw.signal, callOptions(c));
      return c.json(result.body, 200, servedHeaders(result.served));
    }),
  );
  app.get('/v1/models', (c) =>
    answer(c, async () => {
      const caller = await authorize(c, authenticator);
      return c.json({ object: 'list', data: await gateway.models(caller.tenantId, c.req.raw.signal) });
    }),
  );
}

/** An error as an OpenAI error response; also the app's error handler for /v1 paths. */
export function openAIErrorResponse(c: Context<AppEnv>, error: unknown): Response {
  const requestId = c.get('requestId');
  const { status, body } = toOpenAIError(error, requestId);
  const logger = c.get('logger');
  if (status >= 500 && !(error instanceof GatewayError))
    logger.error({ err: error, requestId }, 'request failed');
  else logger.debug({ status, code: body.error.code, requestId }, 'request rejected');
  const retryAfter = error instanceof GatewayError ? error.retryAfterMs : undefined;
  const problem = error instanceof GatewayError ? error.problem : undefined;
  return c.json(problem ? { ...problem, status, ...body } : body, status as 400, {
    'x-request-id': requestId,
    ...(retryAfter === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(retryAfter / 1000))) }),
    ...(problem ? { 'content-type': 'application/problem+json' } : {}),
    // The unread rest of an oversized body would poison a kept-alive connection: close it.
    ...(status === 413 ? { connection: 'close' } : {}),
  });
}

/** What the request's headers ask of the gateway: `x-model-id` pins an alias's target. */
function callOptions(c: Context<AppEnv>): CallOptions {
  return { pin: c.req.header('x-model-id') ?? null, cacheControl: c.req.header('cache-control') ?? null };
}

/** `x-model-id`: the `backend/model` that answered; `x-cache`: hit-l1, hit-l2 or miss. */
function servedHeaders(served: Served): Record<string, string> {
  return { 'x-model-id': served.model, ...(served.cache ? { 'x-cache': served.cache } : {}) };
}

async function answer(c: Context<AppEnv>, handle: () => Promise<Response>): Promise<Response> {
  try {
    return await handle();
  } catch (error) {
    if (c.req.raw.signal.aborted) throw error;
    return openAIErrorResponse(c, error);
  }
}

async function authorize(c: Context<AppEnv>, authenticator: Authenticator): Promise<GatewayCaller> {
  const caller = await authenticator.authenticate(c.req.header('authorization'));
  c.set('caller', caller);
  if (!caller.permissions.has(PERMISSION))
    throw new AppError(
      'PERMISSION_DENIED',
      `${caller.principalName} (roles: ${caller.roles.join(', ') || 'none'}) lacks the permission ${PERMISSION}`,
    );
  return { tenantId: caller.tenantId, principal: caller.principalName };
}

async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '')
    throw new GatewayError(400, {
      message: 'the request body is empty; send a JSON object',
      type: 'invalid_request_error',
      code: 'invalid_json',
    });
  const parsed = parseJson(text);
  if (!parsed.ok)
    throw new GatewayError(400, {
      message: `We could not parse the JSON body of your request: ${parsed.error}`,
      type: 'invalid_request_error',
      code: 'invalid_json',
    });
  return parsed.value;
}
