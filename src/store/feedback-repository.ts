import { type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import { type RunStatus, TERMINAL_RUN_STATUSES } from '../contracts/index.ts';
import { AppError, type IdGenerator } from '../core/index.ts';
import type {
  DatasetScan,
  DatasetSource,
  FeedbackDraft,
  FeedbackRecord,
  FeedbackScore,
  FeedbackStore,
  FeedbackWriteOutcome,
  HistoryMessage,
  HistoryRequest,
} from '../feedback/index.ts';
import type { DB } from './schema.ts';
import type { RunFeedbackTable } from './schema-feedback.ts';
import { inTenantTransaction } from './tenant-scope.ts';

/** The run has an answer: neither SQL NULL nor a JSON null. */
const HAS_OUTPUT = sql<SqlBool>`jsonb_typeof(r.output) <> 'null'`;

const isForeignKeyViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23503';

function scoreOf(value: number): FeedbackScore {
  if (value === 1 || value === -1) return value;
  throw new AppError('INTERNAL', `stored feedback score ${value} is neither 1 nor -1`);
}

function toRecord(row: Selectable<RunFeedbackTable>, agent: string): FeedbackRecord {
  return {
    id: row.id,
    runId: row.run_id,
    agent,
    principal: row.principal,
    score: scoreOf(row.score),
    correction: row.correction,
    category: row.category,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Feedback beside its run (deleted with it), tenant-scoped by row-level security. */
export class SqlFeedbackStore implements FeedbackStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly ids: IdGenerator,
  ) {}

  async upsert(
    tenantId: string,
    draft: FeedbackDraft,
    accepts: readonly RunStatus[],
    signal?: AbortSignal,
  ): Promise<FeedbackWriteOutcome> {
    try {
      return await inTenantTransaction(
        this.db,
        tenantId,
        async (trx) => {
          const run = await trx
            .selectFrom('runs')
            .select(['status', 'agent_name'])
            .where('tenant_id', '=', tenantId)
            .where('id', '=', draft.runId)
            .executeTakeFirst();
          if (!run) return { outcome: 'run_not_found' };
          const status = run.status as RunStatus;
          if (!accepts.includes(status)) return { outcome: 'run_not_ready', status };
          const row = await trx
            .insertInto('run_feedback')
            .values({
              id: this.ids.next(),
              tenant_id: tenantId,
              run_id: draft.runId,
              principal: draft.principal,
              score: draft.score,
              correction: draft.correction,
              category: draft.category,
              created_at: draft.at,
              updated_at: draft.at,
            })
            .onConflict((conflict) =>
              conflict.columns(['tenant_id', 'run_id', 'principal']).doUpdateSet((eb) => ({
                score: eb.ref('excluded.score'),
                correction: eb.ref('excluded.correction'),
                category: eb.ref('excluded.category'),
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .returningAll()
            // xmax is 0 on a row this statement inserted, the updating transaction's id otherwise.
            .returning(sql<boolean>`xmax = 0`.as('inserted'))
            .executeTakeFirstOrThrow();
          const { inserted, ...stored } = row;
          return {
            outcome: inserted ? 'created' : 'replaced',
            feedback: toRecord(stored, run.agent_name),
          };
        },
        signal,
      );
    } catch (error) {
      // The run was deleted between the read and the insert.
      if (isForeignKeyViolation(error)) return { outcome: 'run_not_found' };
      throw error;
    }
  }

  list(tenantId: string, runId: string, signal?: AbortSignal): Promise<FeedbackRecord[] | null> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const run = await trx
          .selectFrom('runs')
          .select('agent_name')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', runId)
          .executeTakeFirst();
        if (!run) return null;
        const rows = await trx
          .selectFrom('run_feedback')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('run_id', '=', runId)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        return rows.map((row) => toRecord(row, run.agent_name));
      },
      signal,
    );
  }

  remove(
    tenantId: string,
    runId: string,
    principal: string,
    signal?: AbortSignal,
  ): Promise<FeedbackRecord | null> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const row = await trx
          .deleteFrom('run_feedback')
          .where('tenant_id', '=', tenantId)
          .where('run_id', '=', runId)
          .where('principal', '=', principal)
          .returningAll()
          .executeTakeFirst();
        if (!row) return null;
        const run = await trx
          .selectFrom('runs')
          .select('agent_name')
          .where('id', '=', runId)
          .executeTakeFirst();
        return toRecord(row, run?.agent_name ?? '');
      },
      signal,
    );
  }

  scan(tenantId: string, scan: DatasetScan, signal?: AbortSignal): Promise<DatasetSource[]> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        let query = trx
          .selectFrom('run_feedback as f')
          .innerJoin('runs as r', 'r.id', 'f.run_id')
          .leftJoin('agents as a', (join) =>
            join.onRef('a.tenant_id', '=', 'r.tenant_id').onRef('a.name', '=', 'r.agent_name'),
          )
          // A version made after the run (an agent deleted and made again) is not the one it ran.
          .leftJoin('agent_versions as v', (join) =>
            join
              .onRef('v.agent_id', '=', 'a.id')
              .onRef('v.version', '=', 'r.agent_version')
              .onRef('v.created_at', '<=', 'r.created_at'),
          )
          .select([
            'f.id',
            'f.run_id',
            'f.score',
            'f.correction',
            'f.category',
            'r.agent_name',
            'r.agent_version',
            'r.input',
            'r.output',
            'r.session_id',
            'r.started_at',
            'r.created_at',
            'v.spec',
          ])
          .where('f.tenant_id', '=', tenantId)
          .where('r.status', 'in', [...TERMINAL_RUN_STATUSES]);
        if (scan.agent !== undefined) query = query.where('r.agent_name', '=', scan.agent);
        if (scan.from !== undefined) query = query.where('f.updated_at', '>=', scan.from);
        if (scan.to !== undefined) query = query.where('f.updated_at', '<', scan.to);
        if (scan.afterId !== undefined) query = query.where('f.id', '>', scan.afterId);
        query =
          scan.format === 'dpo'
            ? query.where('f.correction', 'is not', null).where(HAS_OUTPUT)
            : query.where((eb) =>
                eb.or([
                  eb('f.correction', 'is not', null),
                  eb.and([
                    eb('f.score', '=', 1),
                    HAS_OUTPUT,
                    eb.not(
                      eb.exists(
                        eb
                          .selectFrom('run_feedback as g')
                          .select(sql`1`.as('one'))
                          .whereRef('g.tenant_id', '=', 'f.tenant_id')
                          .whereRef('g.run_id', '=', 'f.run_id')
                          .where((inner) =>
                            inner.or([
                              inner('g.score', '=', -1),
                              inner.and([
                                inner('g.score', '=', 1),
                                inner('g.correction', 'is', null),
                                inner('g.id', '<', inner.ref('f.id')),
                              ]),
                            ]),
                          ),
                      ),
                    ),
                  ]),
                ]),
              );
        const rows = await query.orderBy('f.id').limit(scan.limit).execute();
        return rows.map((row) => ({
          feedbackId: row.id,
          runId: row.run_id,
          agent: row.agent_name,
          agentVersion: row.agent_version,
          score: scoreOf(row.score),
          correction: row.correction,
          category: row.category,
          input: row.input,
          output: row.output,
          sessionId: row.session_id,
          startedAt: row.started_at ?? row.created_at,
          spec: row.spec ?? null,
        }));
      },
      signal,
    );
  }

  histories(
    tenantId: string,
    requests: readonly HistoryRequest[],
    signal?: AbortSignal,
  ): Promise<Map<string, HistoryMessage[]>> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const histories = new Map<string, HistoryMessage[]>();
        for (const request of requests) {
          signal?.throwIfAborted();
          const rows = await trx
            .selectFrom('session_messages')
            .select(['role', 'content'])
            .where('tenant_id', '=', tenantId)
            .where('session_id', '=', request.sessionId)
            .where('created_at', '<', request.before)
            .where((eb) => eb.or([eb('run_id', 'is', null), eb('run_id', '!=', request.runId)]))
            .orderBy('seq', 'desc')
            .limit(request.limit)
            .execute();
          histories.set(request.runId, rows.reverse());
        }
        return histories;
      },
      signal,
    );
  }
}
