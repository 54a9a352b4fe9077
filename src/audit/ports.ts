import type { AuditAction, AuditRecord } from '../contracts/index.ts';
import type { AuditContent } from './chain.ts';

/** A record ready to be chained: content masked and fixed, its content hash computed. */
export interface PreparedAuditRecord {
  content: AuditContent;
  contentHash: string;
}

export interface AuditFilter {
  runId?: string | undefined;
  actor?: string | undefined;
  action?: AuditAction | undefined;
  tool?: string | undefined;
  /** Inclusive. */
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
}

/** Position in the newest-first order: (time, seq) of the last record of the previous page. */
export interface AuditPosition {
  time: string;
  seq: number;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * The audit log's storage. Records are never changed or removed; each tenant's records form one
 * chain with seq 1, 2, 3, ... in append order.
 */
export interface AuditStore {
  /**
   * Appends the records, in order, at the head of the tenant's chain, all or none: assigns seq,
   * `prev_hash` and `hash = sha256_hex(prev_hash || content_hash)` and moves the head, atomically
   * with respect to every other appender of the tenant (other processes included). Returns the
   * stored records in seq order. Throws if the database refuses the write; nothing is written then.
   */
  append(
    tenantId: string,
    records: readonly PreparedAuditRecord[],
    signal?: AbortSignal,
  ): Promise<AuditRecord[]>;

  /** Records matching the filter, newest first (time, then seq, descending), strictly after `after`. */
  query(
    tenantId: string,
    filter: AuditFilter,
    page: { limit: number; after?: AuditPosition | undefined },
    signal?: AbortSignal,
  ): Promise<AuditRecord[]>;

  /** Records with afterSeq < seq <= throughSeq in seq order, at most `limit` of them. */
  chain(
    tenantId: string,
    afterSeq: number,
    throughSeq: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<AuditRecord[]>;

  /** The tenant's chain head, or null if it never appended. */
  head(tenantId: string, signal?: AbortSignal): Promise<ChainHead | null>;
}
