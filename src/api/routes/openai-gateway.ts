import type { Context, Hono } from 'hono';
import type { ModelGateway } from '../../gateway/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import type { AppEnv } from '../context.ts';
import { authorizeModelCall, isServerFault, openAIErrorParts } from '../openai-http.ts';

/**
 * `GET /v1/models` in Hono. `POST /v1/chat/completions` and `/v1/embeddings` are served on the
 * native lane (see `gateway-lane.ts`) ahead of Hono, for latency; every other /v1 path falls
 * through to Hono and its OpenAI-style 404.
 */
export function openAIGatewayRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  gateway: ModelGateway,
): void {
  app.get('/v1/models', async (c) => {
    try {
      const { caller } = await authorizeModelCall(authenticator, c.req.header('authorization'));
      c.set('caller', caller);
      return c.json({ object: 'list', data: await gateway.models(caller.tenantId, c.req.raw.signal) });
    } catch (error) {
      if (c.req.raw.signal.aborted) throw error;
      return openAIErrorResponse(c, error);
    }
  });
}

/** An error as an OpenAI error response; also the app's error handler for /v1 paths. */
export function openAIErrorResponse(c: Context<AppEnv>, error: unknown): Response {
  const requestId = c.get('requestId');
  const { status, body, headers, code } = openAIErrorParts(error, requestId);
  const logger = c.get('logger');
  if (isServerFault(status, error)) logger.error({ err: error, requestId }, 'request failed');
  else logger.debug({ status, code, requestId }, 'request rejected');
  return c.json(body, status as 400, headers);
}
