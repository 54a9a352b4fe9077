import { z } from 'zod';
import {
  type AuditAction,
  type AuditActorType,
  type AuditFilterQuery,
  type AuditRecord,
  type AuditVerification,
  type Page,
  parseJson,
} from '../contracts/index.ts';
import {
  AppError,
  type Clock,
  decodeCursor,
  encodeCursor,
  type IdGenerator,
  invalid,
} from '../core/index.ts';
import { type AuditContent, auditContentHash } from './chain.ts';
import type { AuditFilter, AuditStore, PreparedAuditRecord } from './ports.ts';
import { verifyChain } from './verify.ts';

/** What a caller records. Input, output and metadata are masked before anything is hashed or stored. */
export interface AuditEntry {
  actorType: AuditActorType;
  /** Principal name, agent name, or the platform component. */
  actor: string;
  action: AuditAction;
  runId?: string | null | undefined;
  traceId?: string | null | undefined;
  /** The end user on whose behalf the actor acted, when known. */
  userId?: string | null | undefined;
  /** Tool or model name. */
  tool?: string | null | undefined;
  decision?: string | null | undefined;
  rule?: string | null | undefined;
  input?: unknown;
  output?: unknown;
  /** Tokens (`input_tokens`, `output_tokens`), `latency_ms`, `cost_usd`, and anything else. */
  metadata?: Record<string, unknown> | undefined;
}

/** Masks a value before it is written (PII, secrets). Must be pure: the same value gives the same result. */
export type AuditMask = (value: unknown) => unknown;

export interface AuditLogOptions {
  mask: AuditMask;
  clock: Clock;
  ids: IdGenerator;
}

/** At most this many entries per append call: one statement carries them all. */
export const MAX_AUDIT_BATCH = 1000;
const EXPORT_PAGE = 1000;

const PositionSchema = z.strictObject({
  time: z.iso.datetime({ offset: true }),
  seq: z.number().int().min(1),
});

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The audit log: append-only, hash-chained per tenant, masked before writing. Appends from any
 * number of processes form one valid chain per tenant; `verify` finds the first record that was
 * changed, removed or inserted out of band.
 */
export class AuditLog {
  readonly #store: AuditStore;
  readonly #mask: AuditMask;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;

  constructor(store: AuditStore, options: AuditLogOptions) {
    this.#store = store;
    this.#mask = options.mask;
    this.#clock = options.clock;
    this.#ids = options.ids;
  }

  /** Appends one entry; returns the stored record. Throws if the store refuses it (nothing is written). */
  async append(tenantId: string, entry: AuditEntry, signal?: AbortSignal): Promise<AuditRecord> {
    const [record] = await this.appendBatch(tenantId, [entry], signal);
    if (!record) throw new AppError('INTERNAL', 'the audit store returned no record');
    return record;
  }

  /**
   * Appends entries in order as consecutive records, all or none, in one write. Throws
   * INVALID_REQUEST for more than MAX_AUDIT_BATCH entries.
   */
  async appendBatch(
    tenantId: string,
    entries: readonly AuditEntry[],
    signal?: AbortSignal,
  ): Promise<AuditRecord[]> {
    const time = this.#clock.now().toISOString();
    return this.appendPrepared(
      tenantId,
      entries.map((entry) => this.#prepare(tenantId, entry, time)),
      signal,
    );
  }

  /**
   * Masks and hashes an entry now, stamped with the current time, for a later `appendPrepared`:
   * writers that gather records into batches do the work as each record comes, not all at once
   * when the batch is written. Throws if the entry is not JSON.
   */
  prepare(tenantId: string, entry: AuditEntry): PreparedAuditRecord {
    return this.#prepare(tenantId, entry, this.#clock.now().toISOString());
  }

  /** Appends prepared records in order, all or none, in one write; at most MAX_AUDIT_BATCH. */
  async appendPrepared(
    tenantId: string,
    records: readonly PreparedAuditRecord[],
    signal?: AbortSignal,
  ): Promise<AuditRecord[]> {
    if (records.length === 0) return [];
    if (records.length > MAX_AUDIT_BATCH)
      throw invalid(`at most ${MAX_AUDIT_BATCH} audit entries per append (got ${records.length})`);
    return this.#store.append(tenantId, records, signal);
  }

  #prepare(tenantId: string, entry: AuditEntry, time: string): PreparedAuditRecord {
    const metadata = this.#mask(entry.metadata ?? {});
    const content: AuditContent = {
      id: this.#ids.next(),
      tenant_id: tenantId,
      time,
      actor_type: entry.actorType,
      actor: entry.actor,
      run_id: entry.runId ?? null,
      trace_id: entry.traceId ?? null,
      user_id: entry.userId ?? null,
      action: entry.action,
      tool: entry.tool ?? null,
      decision: entry.decision ?? null,
      rule: entry.rule ?? null,
      // Through JSON, so what is hashed is exactly what jsonb stores and gives back.
      input: toJsonValue(this.#mask(entry.input ?? null)),
      output: toJsonValue(this.#mask(entry.output ?? null)),
      metadata: toJsonValue(isPlainObject(metadata) ? metadata : { value: metadata }) as Record<
        string,
        unknown
      >,
    };
    return { content, contentHash: auditContentHash(content) };
  }

  /** A page of records matching the query, newest first. Throws INVALID_REQUEST for a bad range or cursor. */
  async query(
    tenantId: string,
    query: AuditFilterQuery,
    page: { limit: number; cursor?: string | undefined },
    signal?: AbortSignal,
  ): Promise<Page<AuditRecord>> {
    const filter = toFilter(query);
    const after = decodeCursor(page.cursor, PositionSchema);
    const rows = await this.#store.query(tenantId, filter, { limit: page.limit + 1, after }, signal);
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > page.limit && last ? encodeCursor({ time: last.time, seq: last.seq }) : null,
    };
  }

  /** Every matching record, newest first, read page by page (memory stays bounded). */
  async *export(
    tenantId: string,
    query: AuditFilterQuery,
    signal?: AbortSignal,
  ): AsyncGenerator<AuditRecord> {
    const filter = toFilter(query);
    let after: { time: string; seq: number } | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const rows = await this.#store.query(tenantId, filter, { limit: EXPORT_PAGE, after }, signal);
      yield* rows;
      const last = rows.at(-1);
      if (rows.length < EXPORT_PAGE || !last) return;
      after = { time: last.time, seq: last.seq };
    }
  }

  /** Walks the tenant's chain in seq order, page by page; see AuditVerification. */
  verify(tenantId: string, signal?: AbortSignal): Promise<AuditVerification> {
    return verifyChain(this.#store, tenantId, signal);
  }
}

function toJsonValue(value: unknown): unknown {
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  const parsed = parseJson(text);
  if (!parsed.ok) throw new AppError('INTERNAL', `audit value is not JSON: ${parsed.error}`);
  return parsed.value;
}

function toFilter(query: AuditFilterQuery): AuditFilter {
  const from = query.from ? new Date(query.from) : undefined;
  const to = query.to ? new Date(query.to) : undefined;
  if (from && to && from >= to) {
    throw invalid('`from` must be before `to`', [{ pointer: '/query/to', detail: 'must be after from' }]);
  }
  return { runId: query.run, actor: query.actor, action: query.action, tool: query.tool, from, to };
}
