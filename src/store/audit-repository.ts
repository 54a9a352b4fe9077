import { type Kysely, sql } from 'kysely';
import {
  type AuditFilter,
  type AuditPosition,
  type AuditStore,
  type ChainHead,
  GENESIS_HASH,
  type PreparedAuditRecord,
} from '../audit/index.ts';
import { type AuditRecord, AuditRecordSchema } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import { type AuditRow, appendAuditStatement, type ChainLink, ensureAuditHead } from './audit-append-sql.ts';
import { readJson } from './json-columns.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction } from './tenant-scope.ts';

function toAuditRecord(row: AuditRow): AuditRecord {
  return readJson(
    AuditRecordSchema,
    {
      id: row.id,
      tenant_id: row.tenant_id,
      seq: Number(row.seq),
      time: row.time.toISOString(),
      actor_type: row.actor_type,
      actor: row.actor,
      run_id: row.run_id,
      trace_id: row.trace_id,
      user_id: row.user_id,
      action: row.action,
      tool: row.tool,
      decision: row.decision,
      rule: row.rule,
      input: row.input,
      output: row.output,
      metadata: row.metadata,
      content_hash: row.content_hash,
      prev_hash: row.prev_hash,
      hash: row.hash,
    },
    'audit record',
  );
}

/**
 * AuditStore over PGlite or PostgreSQL. Appends are one statement run as the platform (see
 * audit-append-sql.ts); reads are tenant-scoped transactions under row-level security.
 */
export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: Kysely<DB>) {}

  async append(
    tenantId: string,
    records: readonly PreparedAuditRecord[],
    signal?: AbortSignal,
  ): Promise<AuditRecord[]> {
    if (records.length === 0) return [];
    signal?.throwIfAborted();
    let links = await appendAuditStatement(this.db, tenantId, records);
    if (links.length === 0) {
      // The tenant's first append: create the head, then append at it.
      await ensureAuditHead(this.db, tenantId, GENESIS_HASH);
      links = await appendAuditStatement(this.db, tenantId, records);
    }
    if (links.length !== records.length)
      throw new AppError('INTERNAL', `the audit chain took ${links.length} of ${records.length} records`);
    // The stored record is what was sent (it went through JSON already) plus its place in the chain.
    return records.map((record, index) => {
      const link = links[index] as ChainLink;
      return {
        ...record.content,
        seq: Number(link.seq),
        content_hash: record.contentHash,
        prev_hash: link.prev_hash,
        hash: link.hash,
      } as AuditRecord;
    });
  }

  async query(
    tenantId: string,
    filter: AuditFilter,
    page: { limit: number; after?: AuditPosition | undefined },
    signal?: AbortSignal,
  ): Promise<AuditRecord[]> {
    const rows = await inTenantTransaction(
      this.db,
      tenantId,
      (trx) => {
        let query = trx
          .selectFrom('audit_records')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .orderBy('time', 'desc')
          .orderBy('seq', 'desc')
          .limit(page.limit);
        if (filter.runId) query = query.where('run_id', '=', filter.runId);
        if (filter.actor) query = query.where('actor', '=', filter.actor);
        if (filter.action) query = query.where('action', '=', filter.action);
        if (filter.tool) query = query.where('tool', '=', filter.tool);
        if (filter.from) query = query.where('time', '>=', filter.from);
        if (filter.to) query = query.where('time', '<', filter.to);
        const after = page.after;
        if (after)
          query = query.where(
            sql<boolean>`(time, seq) < (${new Date(after.time)}::timestamptz, ${after.seq}::bigint)`,
          );
        return query.execute();
      },
      signal,
    );
    return rows.map(toAuditRecord);
  }

  async chain(
    tenantId: string,
    afterSeq: number,
    throughSeq: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<AuditRecord[]> {
    const rows = await inTenantTransaction(
      this.db,
      tenantId,
      (trx) =>
        trx
          .selectFrom('audit_records')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where(sql<boolean>`seq > ${afterSeq}::bigint and seq <= ${throughSeq}::bigint`)
          .orderBy('seq')
          .limit(limit)
          .execute(),
      signal,
    );
    return rows.map(toAuditRecord);
  }

  async head(tenantId: string, signal?: AbortSignal): Promise<ChainHead | null> {
    const row = await inTenantTransaction(
      this.db,
      tenantId,
      (trx) =>
        trx
          .selectFrom('audit_heads')
          .select(['seq', 'hash'])
          .where('tenant_id', '=', tenantId)
          .executeTakeFirst(),
      signal,
    );
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  }
}
