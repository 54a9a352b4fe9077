import { z } from 'zod';
import { NameSchema, pageSchema } from './common.ts';
import { defineRoute } from './route.ts';
import {
  RunCancelSchema,
  RunCreateSchema,
  RunEventSchema,
  RunListQuerySchema,
  RunResolveSchema,
  RunSchema,
  RunStepSchema,
  SessionCreateSchema,
  SessionIdSchema,
  SessionMessageSchema,
  SessionSchema,
} from './runs.ts';
import { RunTraceSchema } from './telemetry.ts';

const RunIdParams = z.object({ id: z.string().min(1).max(64) });
const SessionParams = z.object({ id: SessionIdSchema });

export const runRoutes = {
  createRun: defineRoute({
    operationId: 'createRun',
    method: 'post',
    path: '/api/v1/agents/{name}/runs',
    tag: 'runs',
    summary: 'Start a run of an agent (201), or get the run an idempotency key already started (200)',
    description:
      "The run is queued durably and executed by a worker. With `stream: true` the answer is the run's " +
      'Server-Sent Event stream (see getRunEvents). `idempotency_key` (or the Idempotency-Key header): the ' +
      'same key and body return the same run; the same key with another body is 409. Keys are per tenant.',
    permission: 'runs:create',
    params: z.object({ name: NameSchema }),
    body: RunCreateSchema,
    eventStream: 'optional',
    success: { status: 201, description: 'The new run (200 for an idempotent repeat)', schema: RunSchema },
  }),
  listRuns: defineRoute({
    operationId: 'listRuns',
    method: 'get',
    path: '/api/v1/runs',
    tag: 'runs',
    summary: 'List runs, newest first',
    permission: 'runs:read',
    query: RunListQuerySchema,
    success: { status: 200, description: 'A page of runs', schema: pageSchema(RunSchema) },
  }),
  getRun: defineRoute({
    operationId: 'getRun',
    method: 'get',
    path: '/api/v1/runs/{id}',
    tag: 'runs',
    summary: 'Get a run',
    permission: 'runs:read',
    params: RunIdParams,
    success: { status: 200, description: 'The run', schema: RunSchema },
  }),
  getRunTrace: defineRoute({
    operationId: 'getRunTrace',
    method: 'get',
    path: '/api/v1/runs/{id}/trace',
    tag: 'runs',
    summary: "A run's span tree from the built-in trace store, with timings, tokens and cost",
    description:
      'Spans are written a moment after they end (batched), and kept for `traceRetentionDays`. The tree: ' +
      '`Run` (one per execution) → `Orchestrator.Plan`, `Agent.Step` → `PDP.Evaluate`, `LLM.Invoke`, ' +
      '`Tool.Execute` → `Sandbox.Exec`. Attributes follow the OpenTelemetry GenAI conventions; no prompt, ' +
      'completion or argument text unless `traceContent` is on, and then PII-masked.',
    permission: 'runs:read',
    params: RunIdParams,
    success: { status: 200, description: 'The trace', schema: RunTraceSchema },
  }),
  cancelRun: defineRoute({
    operationId: 'cancelRun',
    method: 'post',
    path: '/api/v1/runs/{id}:cancel',
    tag: 'runs',
    summary: 'Cancel a run; in-flight model and tool calls are aborted (a finished run: 409)',
    permission: 'runs:create',
    params: RunIdParams,
    body: RunCancelSchema,
    success: {
      status: 200,
      description: 'The run (cancelled, or cancelling while a worker stops it)',
      schema: RunSchema,
    },
  }),
  resolveRun: defineRoute({
    operationId: 'resolveRun',
    method: 'post',
    path: '/api/v1/runs/{id}:resolve',
    tag: 'runs',
    summary:
      'Resume a paused run: approve / reject an approval, retry / skip a call left in doubt by a crash',
    permission: 'runs:resolve',
    params: RunIdParams,
    body: RunResolveSchema,
    success: { status: 200, description: 'The run, queued to continue', schema: RunSchema },
  }),
  listRunSteps: defineRoute({
    operationId: 'listRunSteps',
    method: 'get',
    path: '/api/v1/runs/{id}/steps',
    tag: 'runs',
    summary: 'The steps of a run in order: model calls, tool calls, approval waits, workflow nodes',
    permission: 'runs:read',
    params: RunIdParams,
    success: {
      status: 200,
      description: 'Every step',
      schema: z.strictObject({ items: z.array(RunStepSchema) }),
    },
  }),
  getRunEvents: defineRoute({
    operationId: 'getRunEvents',
    method: 'get',
    path: '/api/v1/runs/{id}/events',
    tag: 'runs',
    summary: 'Server-Sent Events of a run, from the start or after Last-Event-ID; ends after the final event',
    description:
      'Each event has `id: <seq>`, `event: <type>` and `data: <RunEvent JSON>`. Reconnect with the ' +
      '`Last-Event-ID` header (or `?after=`) to receive exactly the events after it. Types: run_started, ' +
      'step_thought, token, tool_call, tool_result, governance_intervention, run_paused, run_resumed, ' +
      'run_completed, run_failed, run_cancelled.',
    permission: 'runs:read',
    params: RunIdParams,
    query: z.object({ after: z.coerce.number().int().min(0).optional().describe('Like Last-Event-ID') }),
    eventStream: 'always',
    success: { status: 200, description: 'text/event-stream of RunEvent', schema: RunEventSchema },
  }),
  createSession: defineRoute({
    operationId: 'createSession',
    method: 'post',
    path: '/api/v1/sessions',
    tag: 'sessions',
    summary: 'Start a conversation; runs with its session_id see its earlier messages',
    permission: 'runs:create',
    body: SessionCreateSchema,
    success: { status: 201, description: 'The session', schema: SessionSchema },
  }),
  getSession: defineRoute({
    operationId: 'getSession',
    method: 'get',
    path: '/api/v1/sessions/{id}',
    tag: 'sessions',
    summary: 'Get a session',
    permission: 'runs:read',
    params: SessionParams,
    success: { status: 200, description: 'The session', schema: SessionSchema },
  }),
  listSessionMessages: defineRoute({
    operationId: 'listSessionMessages',
    method: 'get',
    path: '/api/v1/sessions/{id}/messages',
    tag: 'sessions',
    summary: 'The messages of a session, oldest first',
    permission: 'runs:read',
    params: SessionParams,
    success: {
      status: 200,
      description: 'Every message',
      schema: z.strictObject({ items: z.array(SessionMessageSchema) }),
    },
  }),
} as const;
