import type { Hono } from 'hono';
import { routes } from '../../contracts/index.ts';
import { AppError } from '../../core/index.ts';
import type { Authenticator, Caller } from '../../identity/index.ts';
import type { RunService } from '../../orchestrator/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';
import { sseResponse } from '../sse.ts';
import type { TelemetryAccess } from './usage.ts';

const runCaller = (caller: Caller) => ({ tenantId: caller.tenantId, principal: caller.principalName });

/** `Last-Event-ID` (or ?after=): a non-negative integer this server issued. */
function resumePoint(header: string | undefined, after: number | undefined): number {
  if (header === undefined) return after ?? 0;
  if (!/^\d{1,10}$/.test(header.trim())) {
    throw new AppError('INVALID_REQUEST', `Last-Event-ID "${header}" is not an event id of this server`, {
      fieldErrors: [{ pointer: '/headers/last-event-id', detail: 'must be the id of an event you received' }],
    });
  }
  return Number(header.trim());
}

export function runRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  runs: RunService,
  telemetry: TelemetryAccess,
): void {
  bindRoute(app, routes.createRun, authenticator, async ({ caller, params, body, context }) => {
    const { run, created } = await runs.start(
      runCaller(caller),
      params.name,
      body,
      context.req.header('idempotency-key'),
    );
    if (body.stream) {
      return { response: sseResponse(context, (signal) => runs.follow(caller.tenantId, run.id, 0, signal)) };
    }
    return { body: run, status: created ? 201 : 200, headers: { location: `/api/v1/runs/${run.id}` } };
  });
  bindRoute(app, routes.listRuns, authenticator, async ({ caller, query }) => ({
    body: await runs.list(
      caller.tenantId,
      { agent: query.agent, status: query.status, sessionId: query.session_id },
      { limit: query.limit, cursor: query.cursor },
    ),
  }));
  bindRoute(app, routes.getRun, authenticator, async ({ caller, params }) => ({
    body: await runs.get(caller.tenantId, params.id),
  }));
  bindRoute(app, routes.getRunTrace, authenticator, async ({ caller, params }) => {
    const run = await runs.get(caller.tenantId, params.id);
    return { body: await telemetry.runTrace(caller.tenantId, run.id, run.trace_id) };
  });
  bindRoute(app, routes.cancelRun, authenticator, async ({ caller, params, body }) => ({
    body: await runs.cancel(runCaller(caller), params.id, body.reason),
  }));
  bindRoute(app, routes.resolveRun, authenticator, async ({ caller, params, body }) => ({
    body: await runs.resolve(runCaller(caller), params.id, body.action, body.comment),
  }));
  bindRoute(app, routes.listRunSteps, authenticator, async ({ caller, params }) => ({
    body: { items: await runs.steps(caller.tenantId, params.id) },
  }));
  bindRoute(app, routes.getRunEvents, authenticator, async ({ caller, params, query, context }) => {
    const after = resumePoint(context.req.header('last-event-id'), query.after);
    const { finished } = await runs.openEvents(caller.tenantId, params.id, after);
    // Nothing left: 204 also tells an EventSource to stop reconnecting.
    if (finished) return { response: new Response(null, { status: 204 }) };
    return {
      response: sseResponse(context, (signal) => runs.follow(caller.tenantId, params.id, after, signal)),
    };
  });
  bindRoute(app, routes.createSession, authenticator, async ({ caller, body }) => ({
    body: await runs.createSession(caller.tenantId, body),
  }));
  bindRoute(app, routes.getSession, authenticator, async ({ caller, params }) => ({
    body: await runs.getSession(caller.tenantId, params.id),
  }));
  bindRoute(app, routes.listSessionMessages, authenticator, async ({ caller, params }) => ({
    body: { items: await runs.sessionMessages(caller.tenantId, params.id) },
  }));
}
