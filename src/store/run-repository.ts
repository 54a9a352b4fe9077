import { type Kysely, sql } from 'kysely';
import { AppError, notFound } from '../core/index.ts';
import {
  assertRunTransition,
  type CreateRunOptions,
  type EventRecord,
  isTerminal,
  type NewRun,
  type Resolution,
  type RunFilter,
  type RunRecord,
  type RunStore,
  type SessionMessageRecord,
  type SessionRecord,
  type StepRecord,
} from '../orchestrator/index.ts';
import { writeJson } from './json-columns.ts';
import { insertUnique } from './pg-errors.ts';
import { appendUnfencedEvent } from './run-events-sql.ts';
import { resumePausedRun, settlePendingApproval } from './run-resume-sql.ts';
import { toEvent, toMessage, toRun, toSession, toStep } from './run-rows.ts';
import { type Channels, channelsFor, notify } from './run-signals.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction, type Tx } from './tenant-scope.ts';

const ACTIVE = ['pending', 'running', 'paused'] as const;

/** RunStore over PGlite or PostgreSQL: every method is one tenant-scoped transaction. */
export class SqlRunStore implements RunStore {
  readonly #channels: Channels;

  constructor(
    private readonly db: Kysely<DB>,
    schema: string,
  ) {
    this.#channels = channelsFor(schema);
  }

  async create(
    tenantId: string,
    run: NewRun,
    options: CreateRunOptions,
  ): Promise<{ run: RunRecord; created: boolean }> {
    return inTenantTransaction(this.db, tenantId, async (trx) => {
      if (run.idempotencyKey) {
        const existing = await this.#byKey(trx, tenantId, run.idempotencyKey);
        if (existing) return this.#sameRequest(existing, run);
      }
      if (run.sessionId) await this.#admitToSession(trx, tenantId, run, options);
      const inserted = await trx
        .insertInto('runs')
        .values({
          id: run.id,
          tenant_id: tenantId,
          agent_name: run.agentName,
          agent_version: run.agentVersion,
          session_id: run.sessionId,
          status: 'pending',
          input: writeJson(run.input),
          metadata: writeJson(run.metadata),
          idempotency_key: run.idempotencyKey,
          request_hash: run.requestHash,
          created_by: run.createdBy,
          trace_id: run.traceId,
          parent_span_id: run.parentSpanId ?? null,
          timeout_ms: run.timeoutMs,
          created_at: run.createdAt,
          updated_at: run.createdAt,
          wake_at: run.createdAt,
        })
        .onConflict((oc) => oc.constraint('runs_tenant_idempotency_key').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!inserted) {
        // Another request with the same key committed first (the insert waited for it).
        const winner = run.idempotencyKey ? await this.#byKey(trx, tenantId, run.idempotencyKey) : undefined;
        if (!winner) throw new AppError('CONFLICT', 'the run could not be created; retry');
        return this.#sameRequest(winner, run);
      }
      await notify(trx, this.#channels.ready, '');
      return { run: toRun(inserted), created: true };
    });
  }

  async #byKey(trx: Tx, tenantId: string, key: string) {
    return trx
      .selectFrom('runs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  }

  #sameRequest(existing: Parameters<typeof toRun>[0] & { request_hash: string | null }, run: NewRun) {
    if (existing.request_hash !== run.requestHash) {
      throw new AppError(
        'CONFLICT',
        `idempotency key "${run.idempotencyKey}" was used for a different request (run ${existing.id})`,
        { details: { runId: existing.id } },
      );
    }
    return { run: toRun(existing), created: false };
  }

  async #admitToSession(trx: Tx, tenantId: string, run: NewRun, options: CreateRunOptions): Promise<void> {
    const sessionId = run.sessionId as string;
    await trx
      .insertInto('sessions')
      .values({
        id: sessionId,
        tenant_id: tenantId,
        agent_name: run.agentName,
        metadata: writeJson({}),
        created_at: run.createdAt,
        updated_at: run.createdAt,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
      .execute();
    // The session row lock serialises admissions, so two runs never both see an idle session.
    await trx
      .selectFrom('sessions')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', sessionId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const busy = await trx
      .selectFrom('runs')
      .select(['id', 'status'])
      .where('tenant_id', '=', tenantId)
      .where('session_id', '=', sessionId)
      .where('status', 'in', ACTIVE)
      .orderBy('id')
      .execute();
    if (busy.length === 0 || options.concurrency === 'enqueue') return;
    if (options.concurrency === 'reject') {
      throw new AppError(
        'CONFLICT',
        `session ${sessionId} has a run in progress (${busy[0]?.id}); wait for it, cancel it, or use concurrency: enqueue`,
        { details: { busyRunId: busy[0]?.id } },
      );
    }
    for (const active of busy)
      await this.#cancelInTx(trx, tenantId, active.id, run.createdBy, 'interrupted by a newer run');
  }

  async get(tenantId: string, id: string): Promise<RunRecord | null> {
    const row = await inTenantTransaction(this.db, tenantId, (trx) =>
      trx
        .selectFrom('runs')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row ? toRun(row) : null;
  }

  async list(
    tenantId: string,
    filter: RunFilter,
    page: { limit: number; after?: string | undefined },
  ): Promise<RunRecord[]> {
    const rows = await inTenantTransaction(this.db, tenantId, (trx) => {
      let query = trx
        .selectFrom('runs')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id', 'desc')
        .limit(page.limit);
      if (filter.agent) query = query.where('agent_name', '=', filter.agent);
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.sessionId) query = query.where('session_id', '=', filter.sessionId);
      if (page.after) query = query.where('id', '<', page.after);
      return query.execute();
    });
    return rows.map(toRun);
  }

  async requestCancel(
    tenantId: string,
    id: string,
    by: string,
    reason: string | undefined,
  ): Promise<RunRecord> {
    return inTenantTransaction(this.db, tenantId, async (trx) => {
      await this.#cancelInTx(trx, tenantId, id, by, reason);
      return toRun(await this.#locked(trx, tenantId, id));
    });
  }

  async #locked(trx: Tx, tenantId: string, id: string) {
    const row = await trx
      .selectFrom('runs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound('run', id);
    return row;
  }

  async #cancelInTx(
    trx: Tx,
    tenantId: string,
    id: string,
    by: string,
    reason: string | undefined,
  ): Promise<void> {
    const run = toRun(await this.#locked(trx, tenantId, id));
    if (isTerminal(run.status)) throw new AppError('CONFLICT', `run ${id} is already ${run.status}`);
    if (run.status === 'running') {
      // The worker holding the lease aborts in-flight calls and ends the run.
      await trx
        .updateTable('runs')
        .set({
          cancel_requested: true,
          cancel_request: writeJson({ by, ...(reason ? { reason } : {}) }),
          updated_at: sql`now()`,
        })
        .where('id', '=', id)
        .execute();
      await notify(trx, this.#channels.control, id);
      return;
    }
    assertRunTransition(run.status, 'cancelled');
    await trx
      .updateTable('runs')
      .set({
        status: 'cancelled',
        status_reason: 'cancelled',
        cancel_requested: true,
        ended_at: sql`now()`,
        updated_at: sql`now()`,
        lease_owner: null,
        lease_expires_at: null,
      })
      .where('id', '=', id)
      .execute();
    await appendUnfencedEvent(trx, this.#channels, tenantId, id, {
      type: 'run_cancelled',
      data: { by, ...(reason ? { reason } : {}) },
    });
    await notify(trx, this.#channels.ready, '');
  }

  async resolve(tenantId: string, id: string, resolution: Resolution): Promise<RunRecord> {
    return inTenantTransaction(this.db, tenantId, async (trx) => {
      const run = toRun(await this.#locked(trx, tenantId, id));
      if (run.status !== 'paused') throw new AppError('CONFLICT', `run ${id} is ${run.status}, not paused`);
      const expected = run.statusReason === 'approval' ? ['approve', 'reject'] : ['retry', 'skip'];
      if (!expected.includes(resolution.action)) {
        throw new AppError(
          'INVALID_REQUEST',
          `run ${id} is paused for ${run.statusReason}: the action must be ${expected.join(' or ')}`,
          {
            fieldErrors: [{ pointer: '/action', detail: `must be ${expected.join(' or ')}` }],
          },
        );
      }
      await settlePendingApproval(trx, tenantId, id, resolution);
      const step = await trx
        .selectFrom('run_steps')
        .select('key')
        .where('tenant_id', '=', tenantId)
        .where('run_id', '=', id)
        // In doubt: left started by a crash, or failed with its tool server gone mid-call.
        .where((eb) =>
          eb.or([
            eb('status', '=', 'started'),
            eb.and([eb('status', '=', 'failed'), sql<boolean>`error->>'code' = 'in_doubt'`]),
          ]),
        )
        .orderBy('seq', 'desc')
        .executeTakeFirst();
      const row = await resumePausedRun(trx, this.#channels, tenantId, id, {
        ...resolution,
        ...(step ? { step: step.key } : {}),
      });
      if (!row) throw new AppError('CONFLICT', `run ${id} is no longer paused`);
      return toRun(row);
    });
  }

  async steps(tenantId: string, runId: string): Promise<StepRecord[]> {
    const rows = await inTenantTransaction(this.db, tenantId, (trx) =>
      trx
        .selectFrom('run_steps')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('run_id', '=', runId)
        .orderBy('seq')
        .execute(),
    );
    return rows.map(toStep);
  }

  async events(tenantId: string, runId: string, after: number, limit: number): Promise<EventRecord[]> {
    const rows = await inTenantTransaction(this.db, tenantId, (trx) =>
      trx
        .selectFrom('run_events')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('run_id', '=', runId)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(limit)
        .execute(),
    );
    return rows.map(toEvent);
  }

  async createSession(tenantId: string, session: SessionRecord): Promise<SessionRecord> {
    const row = await inTenantTransaction(this.db, tenantId, (trx) =>
      insertUnique('session', session.id, () =>
        trx
          .insertInto('sessions')
          .values({
            id: session.id,
            tenant_id: tenantId,
            agent_name: session.agentName,
            metadata: writeJson(session.metadata),
            created_at: session.createdAt,
            updated_at: session.updatedAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    );
    return toSession(row);
  }

  async getSession(tenantId: string, id: string): Promise<SessionRecord | null> {
    const row = await inTenantTransaction(this.db, tenantId, (trx) =>
      trx
        .selectFrom('sessions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row ? toSession(row) : null;
  }

  async sessionMessages(
    tenantId: string,
    sessionId: string,
    options: { last?: number } = {},
  ): Promise<SessionMessageRecord[]> {
    const rows = await inTenantTransaction(this.db, tenantId, (trx) => {
      let query = trx
        .selectFrom('session_messages')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('session_id', '=', sessionId)
        .orderBy('seq', 'desc');
      if (options.last !== undefined) query = query.limit(options.last);
      return query.execute();
    });
    return rows.map(toMessage).reverse();
  }
}
