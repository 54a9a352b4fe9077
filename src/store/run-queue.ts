import { type Kysely, sql } from 'kysely';
import { AppError } from '../core/index.ts';
import {
  type ClaimedRun,
  type EventDraft,
  type Fence,
  isTerminal,
  LeaseLostError,
  type NewStep,
  type RunQueue,
  type RunRecord,
  type SessionMessageRecord,
  type StepOutcome,
  type StepRecord,
  sourcesOf,
  type TransitionChange,
} from '../orchestrator/index.ts';
import { writeJson } from './json-columns.ts';
import { insertEvent } from './run-events-sql.ts';
import { type RunRow, toMessage, toRun, toStep } from './run-rows.ts';
import { type Channels, channelsFor, notify } from './run-signals.ts';
import { appendEventsStatement, beginStepStatement, finishStepStatement } from './run-step-sql.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction, type Tx } from './tenant-scope.ts';

const leaseInterval = (leaseMs: number) => sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})`;

/** The run queue on the `runs` table, and the fenced writes of the worker holding a lease. */
export class SqlRunQueue implements RunQueue {
  readonly #channels: Channels;

  constructor(
    private readonly db: Kysely<DB>,
    schema: string,
  ) {
    this.#channels = channelsFor(schema);
  }

  async claim(workerId: string, leaseMs: number): Promise<ClaimedRun | null> {
    // Platform-level: the worker serves every tenant; each write it then makes is tenant-scoped.
    const result = await sql<RunRow>`
      update runs set lease_owner = ${workerId}, lease_expires_at = ${leaseInterval(leaseMs)},
        generation = runs.generation + 1
      where runs.id = (
        select c.id from runs c
        where c.status in ('pending', 'running') and c.wake_at <= now()
          and (c.lease_expires_at is null or c.lease_expires_at < now())
          and (c.session_id is null or not exists (
            select 1 from runs e
            where e.tenant_id = c.tenant_id and e.session_id = c.session_id and e.id < c.id
              and e.status in ('pending', 'running', 'paused')))
        order by c.wake_at, c.id
        limit 1
        for update skip locked)
      returning runs.*`.execute(this.db);
    const row = result.rows[0];
    if (!row) return null;
    const run = toRun(row);
    return { run, fence: { tenantId: run.tenantId, runId: run.id, generation: run.generation } };
  }

  async heartbeat(fence: Fence, leaseMs: number): Promise<{ held: boolean; cancelRequested: boolean }> {
    const row = await this.db
      .updateTable('runs')
      .set({ lease_expires_at: leaseInterval(leaseMs) })
      .where('id', '=', fence.runId)
      .where('generation', '=', fence.generation)
      .returning(['cancel_requested', 'status'])
      .executeTakeFirst();
    if (!row) return { held: false, cancelRequested: false };
    return { held: true, cancelRequested: row.cancel_requested };
  }

  async #explainMiss(trx: Tx, fence: Fence, change: TransitionChange): Promise<never> {
    const row = await trx
      .selectFrom('runs')
      .select(['generation', 'status'])
      .where('id', '=', fence.runId)
      .executeTakeFirst();
    if (!row || row.generation !== fence.generation) throw new LeaseLostError(fence.runId);
    throw new AppError('CONFLICT', `a ${row.status} run cannot become ${change.to}`, {
      details: { from: row.status, to: change.to },
    });
  }

  transition(fence: Fence, change: TransitionChange, event?: EventDraft): Promise<void> {
    return inTenantTransaction(this.db, fence.tenantId, async (trx) => {
      const ending = isTerminal(change.to) || change.to === 'paused';
      const row = await trx
        .updateTable('runs')
        .set((eb) => ({
          status: change.to,
          updated_at: sql`now()`,
          event_seq: eb('event_seq', '+', event ? 1 : 0),
          ...(change.reason !== undefined ? { status_reason: change.reason } : {}),
          ...(change.output !== undefined ? { output: writeJson(change.output) } : {}),
          ...(change.error !== undefined ? { error: change.error ? writeJson(change.error) : null } : {}),
          ...(change.startedAt ? { started_at: change.startedAt } : {}),
          ...(change.endedAt ? { ended_at: change.endedAt } : {}),
          ...(change.deadlineAt !== undefined ? { deadline_at: change.deadlineAt } : {}),
          ...(change.pausedAt !== undefined ? { paused_at: change.pausedAt } : {}),
          ...(change.clearResolution ? { resolution: null } : {}),
          ...(change.releaseLease || ending ? { lease_owner: null, lease_expires_at: null } : {}),
        }))
        .where('id', '=', fence.runId)
        .where('generation', '=', fence.generation)
        .where('status', 'in', sourcesOf(change.to))
        .returning(['event_seq', 'session_id'])
        .executeTakeFirst();
      if (!row) return this.#explainMiss(trx, fence, change);
      if (event) await insertEvent(trx, this.#channels, fence.tenantId, fence.runId, row.event_seq, event);
      if (change.sessionMessages?.length && row.session_id) {
        await this.#appendMessages(trx, fence, row.session_id, change.sessionMessages);
      }
      // A run ending or pausing may unblock the next run of its session.
      if (ending) await notify(trx, this.#channels.ready, '');
    });
  }

  async #appendMessages(
    trx: Tx,
    fence: Fence,
    sessionId: string,
    messages: Array<Pick<SessionMessageRecord, 'role' | 'content'>>,
  ): Promise<void> {
    const session = await trx
      .updateTable('sessions')
      .set((eb) => ({ next_seq: eb('next_seq', '+', messages.length), updated_at: sql`now()` }))
      .where('tenant_id', '=', fence.tenantId)
      .where('id', '=', sessionId)
      .returning('next_seq')
      .executeTakeFirst();
    if (!session) return;
    const first = session.next_seq - messages.length;
    await trx
      .insertInto('session_messages')
      .values(
        messages.map((message, index) => ({
          tenant_id: fence.tenantId,
          session_id: sessionId,
          seq: first + index,
          role: message.role,
          content: writeJson(message.content),
          run_id: fence.runId,
          created_at: sql`now()`,
        })),
      )
      .execute();
  }

  async beginStep(fence: Fence, step: NewStep, events: EventDraft[], newStep: boolean): Promise<StepRecord> {
    const written = await beginStepStatement(this.db, this.#channels.events, fence, step, events, newStep);
    if (!written.fenced || !written.step) throw new LeaseLostError(fence.runId);
    return toStep(written.step);
  }

  async finishStep(fence: Fence, key: string, outcome: StepOutcome, events: EventDraft[]): Promise<void> {
    if (!(await finishStepStatement(this.db, this.#channels.events, fence, key, outcome, events))) {
      throw new LeaseLostError(fence.runId);
    }
  }

  async appendEvents(fence: Fence, events: EventDraft[]): Promise<number> {
    const seq = await appendEventsStatement(this.db, this.#channels.events, fence, events);
    if (seq === null) throw new LeaseLostError(fence.runId);
    return seq;
  }

  async steps(fence: Fence): Promise<StepRecord[]> {
    const rows = await inTenantTransaction(this.db, fence.tenantId, (trx) =>
      trx
        .selectFrom('run_steps')
        .selectAll()
        .where('tenant_id', '=', fence.tenantId)
        .where('run_id', '=', fence.runId)
        .orderBy('seq')
        .execute(),
    );
    return rows.map(toStep);
  }

  async history(fence: Fence, sessionId: string, limit: number): Promise<SessionMessageRecord[]> {
    if (limit <= 0) return [];
    const rows = await inTenantTransaction(this.db, fence.tenantId, (trx) =>
      trx
        .selectFrom('session_messages')
        .selectAll()
        .where('tenant_id', '=', fence.tenantId)
        .where('session_id', '=', sessionId)
        .where((eb) => eb.or([eb('run_id', 'is', null), eb('run_id', '!=', fence.runId)]))
        .orderBy('seq', 'desc')
        .limit(limit)
        .execute(),
    );
    return rows.map(toMessage).reverse();
  }

  async current(fence: Fence): Promise<RunRecord | null> {
    const row = await inTenantTransaction(this.db, fence.tenantId, (trx) =>
      trx
        .selectFrom('runs')
        .selectAll()
        .where('tenant_id', '=', fence.tenantId)
        .where('id', '=', fence.runId)
        .executeTakeFirst(),
    );
    return row ? toRun(row) : null;
  }
}
