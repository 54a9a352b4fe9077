import type { Kysely } from 'kysely';
import type { IdGenerator } from '../core/index.ts';
import type { LineageStore, RetrievedChunk } from '../knowledge/index.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction } from './tenant-scope.ts';

/** The chunks each run retrieved, in order, beside the run (deleted with it). */
export class SqlLineageStore implements LineageStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly ids: IdGenerator,
  ) {}

  async record(
    tenantId: string,
    runId: string,
    stepKey: string | null,
    kbName: string,
    hits: readonly RetrievedChunk[],
    signal?: AbortSignal,
  ): Promise<void> {
    if (hits.length === 0) return;
    await inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        await trx
          .insertInto('run_lineage')
          .values(
            hits.map((hit, seq) => ({
              id: this.ids.next(),
              tenant_id: tenantId,
              run_id: runId,
              seq,
              step_key: stepKey,
              kb_name: kbName,
              chunk_id: hit.chunkId,
              document_key: hit.documentKey,
              source: hit.source,
              score: hit.score,
              sensitivity: hit.sensitivity,
            })),
          )
          .execute();
      },
      signal,
    );
  }

  /** The highest sensitivity among the chunks a run retrieved: 1 when none. */
  maxSensitivity(tenantId: string, runId: string, signal?: AbortSignal): Promise<number> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const row = await trx
          .selectFrom('run_lineage')
          .select((eb) => eb.fn.max('sensitivity').as('level'))
          .where('run_id', '=', runId)
          .executeTakeFirst();
        return Number(row?.level ?? 1) || 1;
      },
      signal,
    );
  }

  read(tenantId: string, runId: string, signal?: AbortSignal) {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const run = await trx
          .selectFrom('runs')
          .select(['output'])
          .where('id', '=', runId)
          .executeTakeFirst();
        if (!run) return null;
        const rows = await trx
          .selectFrom('run_lineage')
          .selectAll()
          .where('run_id', '=', runId)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        return {
          chunks: rows.map((row) => ({
            chunkId: row.chunk_id,
            documentKey: row.document_key,
            kbName: row.kb_name,
            source: row.source,
            score: Number(row.score),
            stepKey: row.step_key,
            createdAt: row.created_at,
          })),
          answer: run.output === null || run.output === undefined ? null : JSON.stringify(run.output),
        };
      },
      signal,
    );
  }
}
