import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { EventDraft, Fence, NewStep, StepOutcome } from '../orchestrator/index.ts';
import { writeJson } from './json-columns.ts';
import { preparedAs } from './prepared-statements.ts';
import type { StepRow } from './run-rows.ts';
import type { DB } from './schema.ts';

/**
 * The worker's hot-path writes, each ONE statement (so one round trip and one commit): a
 * data-modifying CTE bumps the run's counters under the lease fence, writes the step and the
 * events with consecutive seqs, and notifies SSE listeners. `fenced = 0` in the answer means the
 * lease is gone and nothing was written. These run as the platform (the worker holds the run id
 * and its tenant from the claim); API paths stay in tenant-scoped transactions.
 */

interface Counters {
  events: EventDraft[];
  newStep?: boolean;
  usage?: { inputTokens: number; outputTokens: number } | undefined;
}

function fenceCte(fence: Fence, counters: Counters): RawBuilder<unknown> {
  const events = counters.events.length;
  return sql`fence as (
    update runs set
      event_seq = event_seq + ${events},
      step_count = step_count + ${counters.newStep ? 1 : 0},
      input_tokens = input_tokens + ${counters.usage?.inputTokens ?? 0},
      output_tokens = output_tokens + ${counters.usage?.outputTokens ?? 0},
      updated_at = now()
    where id = ${fence.runId} and generation = ${fence.generation}
    returning tenant_id, event_seq - ${events} as base_seq, step_count)`;
}

function eventsCte(fence: Fence, events: EventDraft[]): RawBuilder<unknown> {
  return sql`ev as (
    insert into run_events (tenant_id, run_id, seq, type, data, created_at)
    select f.tenant_id, ${fence.runId}, f.base_seq + e.ord, e.value->>'type', e.value->'data', now()
    from fence f, jsonb_array_elements(${writeJson(events)}::jsonb) with ordinality as e(value, ord)
    returning seq)`;
}

const notifyEvents = (channel: string, fence: Fence) =>
  sql`(select pg_notify(${channel}, ${fence.runId} || ':' || max(seq)) from ev having count(*) > 0)`;

export async function beginStepStatement(
  db: Kysely<DB>,
  channel: string,
  fence: Fence,
  step: NewStep,
  events: EventDraft[],
  newStep: boolean,
): Promise<{ fenced: boolean; step: StepRow | undefined }> {
  const result = await sql<StepRow & { fenced: number }>`${preparedAs('begin_step')}
    with ${fenceCte(fence, { events, newStep })},
    step as (
      insert into run_steps (tenant_id, run_id, key, seq, kind, name, status, input, idempotency_key, trace_id, started_at)
      select f.tenant_id, ${fence.runId}, ${step.key}, f.step_count, ${step.kind}, ${step.name}, 'started',
        ${writeJson(step.input ?? null)}::jsonb, ${step.idempotencyKey}, ${step.traceId}, ${step.startedAt}
      from fence f
      on conflict (run_id, key) do update set status = 'started', attempt = run_steps.attempt + 1,
        started_at = excluded.started_at, ended_at = null, error = null
      returning *),
    ${eventsCte(fence, events)}
    select step.*, (select count(*) from fence)::int as fenced, ${notifyEvents(channel, fence)} as notified
    from (select 1) one left join step on true`.execute(db);
  const row = result.rows[0];
  return { fenced: (row?.fenced ?? 0) > 0, step: row?.run_id ? row : undefined };
}

export async function finishStepStatement(
  db: Kysely<DB>,
  channel: string,
  fence: Fence,
  key: string,
  outcome: StepOutcome,
  events: EventDraft[],
): Promise<boolean> {
  const result = await sql<{ fenced: number }>`${preparedAs('finish_step')}
    with ${fenceCte(fence, { events, usage: outcome.usage })},
    step as (
      update run_steps set status = ${outcome.status},
        output = ${outcome.output === undefined ? null : writeJson(outcome.output)}::jsonb,
        error = ${outcome.error ? writeJson(outcome.error) : null}::jsonb,
        input_tokens = ${outcome.usage?.inputTokens ?? 0}, output_tokens = ${outcome.usage?.outputTokens ?? 0},
        ended_at = ${outcome.endedAt}
      where run_id = ${fence.runId} and key = ${key} and exists (select 1 from fence)
      returning key),
    ${eventsCte(fence, events)}
    select (select count(*) from fence)::int as fenced, (select count(*) from step)::int as steps,
      ${notifyEvents(channel, fence)} as notified`.execute(db);
  return (result.rows[0]?.fenced ?? 0) > 0;
}

export async function appendEventsStatement(
  db: Kysely<DB>,
  channel: string,
  fence: Fence,
  events: EventDraft[],
): Promise<number | null> {
  const result = await sql<{ fenced: number; last_seq: number | null }>`${preparedAs('append_events')}
    with ${fenceCte(fence, { events })},
    ${eventsCte(fence, events)}
    select (select count(*) from fence)::int as fenced, (select max(seq) from ev) as last_seq,
      ${notifyEvents(channel, fence)} as notified`.execute(db);
  const row = result.rows[0];
  return row && row.fenced > 0 ? (row.last_seq ?? 0) : null;
}
