import { type Kysely, sql } from 'kysely';
import {
  type AuditFilter,
  type AuditPosition,
  type AuditStore,
  type ChainHead,
  chainHash,
  GENESIS_HASH,
  type PreparedAuditRecord,
} from '../audit/index.ts';
import { type AuditRecord, AuditRecordSchema } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import {
  type AuditRow,
  appendAtHead,
  type ChainLink,
  ensureAuditHead,
  type HeadRow,
  readAuditHead,
} from './audit-append-sql.ts';
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

/** Appends that found the head moved by another process, in a row, before giving up. */
const MAX_HEAD_RACES = 100;

/**
 * AuditStore over PGlite or PostgreSQL. An append chains its records here (sha256 in process) and
 * writes them in one statement that moves the tenant's head only if no one else did meanwhile
 * (see audit-append-sql.ts); appends of one tenant in this process go one at a time, so only
 * other processes can race it, and a lost race re-reads the head and tries again. The last head
 * this process wrote is remembered, so an append is usually one round trip. Reads are
 * tenant-scoped transactions under row-level security.
 */
export class SqlAuditStore implements AuditStore {
  /** Last head written per tenant: a hint the database confirms on every append. */
  readonly #heads = new Map<string, HeadRow>();
  /** Per tenant, the end of its queue of appends. */
  readonly #turns = new Map<string, Promise<unknown>>();

  constructor(private readonly db: Kysely<DB>) {}

  async append(
    tenantId: string,
    records: readonly PreparedAuditRecord[],
    signal?: AbortSignal,
  ): Promise<AuditRecord[]> {
    if (records.length === 0) return [];
    signal?.throwIfAborted();
    const previous = this.#turns.get(tenantId) ?? Promise.resolve();
    const turn = previous.then(
      () => this.#appendNow(tenantId, records),
      () => this.#appendNow(tenantId, records),
    );
    this.#turns.set(tenantId, turn);
    try {
      return await turn;
    } finally {
      if (this.#turns.get(tenantId) === turn) this.#turns.delete(tenantId);
    }
  }

  async #appendNow(tenantId: string, records: readonly PreparedAuditRecord[]): Promise<AuditRecord[]> {
    for (let race = 0; race < MAX_HEAD_RACES; race++) {
      const head = this.#heads.get(tenantId) ?? (await this.#currentHead(tenantId));
      const links: ChainLink[] = [];
      let prev = head;
      for (const record of records) {
        const link = {
          seq: prev.seq + 1,
          prev_hash: prev.hash,
          hash: chainHash(prev.hash, record.contentHash),
        };
        links.push(link);
        prev = link;
      }
      let moved: boolean;
      try {
        moved = await appendAtHead(this.db, tenantId, head, records, links);
      } catch (error) {
        this.#heads.delete(tenantId);
        throw error;
      }
      if (!moved) {
        // Another process appended since this one last looked.
        this.#heads.delete(tenantId);
        continue;
      }
      if (this.#heads.size >= 10_000) this.#heads.clear();
      this.#heads.set(tenantId, prev);
      // The stored record is what was sent (it went through JSON already) plus its place in the chain.
      return records.map((record, index) => {
        const link = links[index] as ChainLink;
        return { ...record.content, content_hash: record.contentHash, ...link } as AuditRecord;
      });
    }
    throw new AppError('CONFLICT', `the audit chain of tenant ${tenantId} kept moving under this append`);
  }

  async #currentHead(tenantId: string): Promise<HeadRow> {
    const head = await readAuditHead(this.db, tenantId);
    if (head) return head;
    // The tenant's first append: create the head (seq 0, genesis), or find the one a racer made.
    await ensureAuditHead(this.db, tenantId, GENESIS_HASH);
    return (await readAuditHead(this.db, tenantId)) ?? { seq: 0, hash: GENESIS_HASH };
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
