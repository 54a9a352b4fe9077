import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { DOCUMENT_OUTCOMES, JOB_STATUSES, type JobStatus } from '../contracts/index.ts';
import type {
  ClaimedJob,
  IngestJobStore,
  JobDocumentOutcome,
  JobRecord,
  QueuedDocument,
} from '../knowledge/index.ts';
import { readJson, writeJson } from './json-columns.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction } from './tenant-scope.ts';

const OutcomeSchema = z.array(
  z.object({
    id: z.string(),
    source: z.string().nullable(),
    status: z.enum(DOCUMENT_OUTCOMES),
    chunks: z.number(),
    error: z.string().optional(),
  }),
);
const PayloadSchema = z.array(
  z.object({
    key: z.string(),
    source: z.string().nullable(),
    format: z.string(),
    content: z.string().optional(),
    contentBase64: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()),
    accessGroup: z.string(),
    sensitivity: z.number(),
  }),
);
const StatusSchema = z.enum(JOB_STATUSES);

type JobRow = {
  id: string;
  tenant_id: string;
  kb_id: string;
  kb_name: string;
  status: string;
  attempts: number;
  outcome: unknown;
  chunks: number;
  error: string | null;
  created_by: string;
  created_at: Date;
  finished_at: Date | null;
};

const toJob = (row: JobRow): JobRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  kbId: row.kb_id,
  kbName: row.kb_name,
  status: readJson(StatusSchema, row.status, 'ingest job status'),
  attempts: row.attempts,
  outcome: readJson(OutcomeSchema, row.outcome, 'ingest job outcome') as JobDocumentOutcome[],
  chunks: row.chunks,
  error: row.error,
  createdBy: row.created_by,
  createdAt: row.created_at,
  finishedAt: row.finished_at,
});

const leaseInterval = (leaseMs: number) => sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})`;

/**
 * Ingestion jobs over PGlite or PostgreSQL: rows with a `wake_at` and a lease, claimed with
 * `for update skip locked` so concurrent workers never take the same job.
 */
export class SqlIngestJobStore implements IngestJobStore {
  constructor(private readonly db: Kysely<DB>) {}

  create(
    tenantId: string,
    job: {
      id: string;
      kbId: string;
      payload: QueuedDocument[];
      outcome: JobDocumentOutcome[];
      createdBy: string;
    },
    signal?: AbortSignal,
  ): Promise<void> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        await trx
          .insertInto('knowledge_jobs')
          .values({
            id: job.id,
            tenant_id: tenantId,
            kb_id: job.kbId,
            status: 'queued',
            payload: writeJson(job.payload),
            outcome: writeJson(job.outcome),
            created_by: job.createdBy,
          })
          .execute();
      },
      signal,
    );
  }

  get(tenantId: string, kbId: string, jobId: string, signal?: AbortSignal): Promise<JobRecord | null> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const row = await this.#select(trx)
          .where('j.kb_id', '=', kbId)
          .where('j.id', '=', jobId)
          .executeTakeFirst();
        return row ? toJob(row) : null;
      },
      signal,
    );
  }

  list(
    tenantId: string,
    kbId: string,
    page: { limit: number; before?: string | undefined },
    signal?: AbortSignal,
  ): Promise<JobRecord[]> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        let query = this.#select(trx).where('j.kb_id', '=', kbId).orderBy('j.id', 'desc').limit(page.limit);
        if (page.before !== undefined) query = query.where('j.id', '<', page.before);
        return (await query.execute()).map(toJob);
      },
      signal,
    );
  }

  async claim(owner: string, leaseMs: number): Promise<ClaimedJob | null> {
    // Platform-level, like the run queue: the worker serves every tenant.
    const { rows } = await sql<JobRow & { payload: unknown }>`
      update knowledge_jobs j set lease_owner = ${owner}, lease_expires_at = ${leaseInterval(leaseMs)},
        attempts = j.attempts + 1, status = 'running', updated_at = now()
      from knowledge_bases b
      where b.id = j.kb_id and j.id = (
        select c.id from knowledge_jobs c
        where c.status in ('queued', 'running') and c.wake_at <= now()
          and (c.lease_expires_at is null or c.lease_expires_at < now())
        order by c.wake_at, c.id
        limit 1
        for update skip locked)
      returning j.id, j.tenant_id, j.kb_id, b.name as kb_name, j.status, j.attempts, j.outcome, j.chunks,
        j.error, j.created_by, j.created_at, j.finished_at, j.payload`.execute(this.db);
    const row = rows[0];
    if (!row) return null;
    return { ...toJob(row), payload: readJson(PayloadSchema, row.payload, 'ingest job payload') };
  }

  async progress(job: ClaimedJob, owner: string, leaseMs: number): Promise<boolean> {
    const updated = await this.db
      .updateTable('knowledge_jobs')
      .set({
        outcome: writeJson(job.outcome),
        chunks: job.chunks,
        lease_expires_at: leaseInterval(leaseMs),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', job.id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async finish(job: ClaimedJob, owner: string, status: JobStatus, error: string | null): Promise<void> {
    await this.db
      .updateTable('knowledge_jobs')
      .set({
        status,
        error,
        outcome: writeJson(job.outcome),
        chunks: job.chunks,
        payload: writeJson([]),
        lease_owner: null,
        lease_expires_at: null,
        finished_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', job.id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async retryAt(job: ClaimedJob, owner: string, wakeAt: Date, error: string): Promise<void> {
    await this.db
      .updateTable('knowledge_jobs')
      .set({
        status: 'queued',
        error,
        outcome: writeJson(job.outcome),
        chunks: job.chunks,
        wake_at: wakeAt,
        lease_owner: null,
        lease_expires_at: null,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', job.id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  #select(trx: Kysely<DB>) {
    return trx
      .selectFrom('knowledge_jobs as j')
      .innerJoin('knowledge_bases as b', 'b.id', 'j.kb_id')
      .select([
        'j.id',
        'j.tenant_id',
        'j.kb_id',
        'b.name as kb_name',
        'j.status',
        'j.attempts',
        'j.outcome',
        'j.chunks',
        'j.error',
        'j.created_by',
        'j.created_at',
        'j.finished_at',
      ]);
  }
}
