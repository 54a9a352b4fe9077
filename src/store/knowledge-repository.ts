import { type Kysely, sql } from 'kysely';
import type { IdGenerator } from '../core/index.ts';
import type {
  ChunkDraft,
  ChunkHit,
  DocumentWrite,
  KnowledgeStore,
  ScanQuery,
  StoredDocument,
  Viewer,
} from '../knowledge/index.ts';
import { writeJson } from './json-columns.ts';
import {
  baseChunks,
  denseExact,
  denseHnsw,
  denseScan,
  HNSW_MAX_DIMENSIONS,
  sparse,
  toHit,
} from './knowledge-search-sql.ts';
import type { DB } from './schema.ts';
import type { KnowledgeDocumentsTable } from './schema-knowledge.ts';
import { inTenantTransaction } from './tenant-scope.ts';

type DocumentRow = {
  [K in keyof KnowledgeDocumentsTable]: K extends 'metadata'
    ? unknown
    : K extends 'created_at' | 'updated_at'
      ? Date
      : KnowledgeDocumentsTable[K];
};

const toDocument = (row: DocumentRow): StoredDocument => ({
  id: row.id,
  kbId: row.kb_id,
  key: row.doc_key,
  source: row.source,
  format: row.format,
  title: row.title,
  contentHash: row.content_hash,
  metadata: (row.metadata ?? {}) as Record<string, unknown>,
  accessGroup: row.access_group,
  sensitivity: row.sensitivity,
  chunkCount: row.chunk_count,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Rows per insert statement: keeps a statement's parameters well under PostgreSQL's 65,535. */
const CHUNK_BATCH = 500;
/** A base of at most this many chunks is searched exactly, not through the shared HNSW index. */
export const EXACT_SCAN_MAX_CHUNKS = 5_000;
/** Chunks written before the statistics are refreshed: at least this many, and a tenth of the table. */
const ANALYZE_AFTER_CHUNKS = 1_000;

/**
 * Knowledge documents and chunks over PGlite or PostgreSQL. With pgvector, embeddings are
 * `vector` and each dimension gets a partial HNSW index the first time it is written (the 256 of
 * the built-in embedder exists from the migration); without it they are `real[]` and dense search
 * is an exact scan.
 */
export class SqlKnowledgeStore implements KnowledgeStore {
  #vector: Promise<boolean> | undefined;
  readonly #indexed = new Set<number>([256]);
  /** Chunks written since the last ANALYZE, and the table's size then. */
  #written = 0;
  #analyzedRows = 0;
  #analyzing: Promise<void> | undefined;

  /**
   * `exactScanMaxChunks`: a base of at most this many chunks is searched exactly rather than
   * through the HNSW index every base shares (default `EXACT_SCAN_MAX_CHUNKS`).
   */
  constructor(
    private readonly db: Kysely<DB>,
    private readonly ids: IdGenerator,
    private readonly exactScanMaxChunks = EXACT_SCAN_MAX_CHUNKS,
  ) {}

  async denseIndex(): Promise<'hnsw' | 'exact'> {
    this.#vector ??= sql<{ ok: boolean }>`select to_regtype('vector') is not null as ok`
      .execute(this.db)
      .then((result) => result.rows[0]?.ok === true);
    return (await this.#vector) ? 'hnsw' : 'exact';
  }

  findDocument(
    tenantId: string,
    kbId: string,
    key: string,
    signal?: AbortSignal,
  ): Promise<StoredDocument | null> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const row = await trx
          .selectFrom('knowledge_documents')
          .selectAll()
          .where('kb_id', '=', kbId)
          .where('doc_key', '=', key)
          .executeTakeFirst();
        return row ? toDocument(row as DocumentRow) : null;
      },
      signal,
    );
  }

  async putDocument(
    tenantId: string,
    kbId: string,
    document: DocumentWrite,
    chunks: readonly ChunkDraft[],
    signal?: AbortSignal,
  ): Promise<StoredDocument> {
    const dims = chunks[0]?.embedding.length ?? 0;
    const vector = (await this.denseIndex()) === 'hnsw';
    if (vector && dims > 0) await this.#ensureIndex(dims);
    const stored = await inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const values = {
          source: document.source,
          format: document.format,
          title: document.title,
          content_hash: document.contentHash,
          metadata: writeJson(document.metadata),
          access_group: document.accessGroup,
          sensitivity: document.sensitivity,
          chunk_count: chunks.length,
          updated_at: sql<Date>`now()`,
        };
        const row = (await trx
          .insertInto('knowledge_documents')
          .values({ id: this.ids.next(), tenant_id: tenantId, kb_id: kbId, doc_key: document.key, ...values })
          .onConflict((c) => c.columns(['kb_id', 'doc_key']).doUpdateSet(values))
          .returningAll()
          .executeTakeFirstOrThrow()) as DocumentRow;
        await trx.deleteFrom('knowledge_chunks').where('document_id', '=', row.id).execute();
        for (let at = 0; at < chunks.length; at += CHUNK_BATCH) {
          await trx
            .insertInto('knowledge_chunks')
            .values(
              chunks.slice(at, at + CHUNK_BATCH).map((chunk) => ({
                id: this.ids.next(),
                tenant_id: tenantId,
                kb_id: kbId,
                document_id: row.id,
                ord: chunk.ord,
                text: chunk.text,
                heading: chunk.heading,
                start_offset: chunk.start,
                end_offset: chunk.end,
                tokens: chunk.tokens,
                dims: chunk.embedding.length,
                embedding: vector ? `[${chunk.embedding.join(',')}]` : chunk.embedding,
                access_group: document.accessGroup,
                sensitivity: document.sensitivity,
              })),
            )
            .execute();
        }
        return toDocument(row);
      },
      signal,
    );
    this.#written += chunks.length;
    this.#maybeAnalyze();
    return stored;
  }

  updateDocumentAccess(
    tenantId: string,
    documentId: string,
    changes: Pick<DocumentWrite, 'metadata' | 'accessGroup' | 'sensitivity' | 'source'>,
    signal?: AbortSignal,
  ): Promise<void> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        await trx
          .updateTable('knowledge_documents')
          .set({
            metadata: writeJson(changes.metadata),
            access_group: changes.accessGroup,
            sensitivity: changes.sensitivity,
            source: changes.source,
            updated_at: sql<Date>`now()`,
          })
          .where('id', '=', documentId)
          .execute();
        await trx
          .updateTable('knowledge_chunks')
          .set({ access_group: changes.accessGroup, sensitivity: changes.sensitivity })
          .where('document_id', '=', documentId)
          .execute();
      },
      signal,
    );
  }

  deleteDocument(tenantId: string, kbId: string, key: string, signal?: AbortSignal): Promise<boolean> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const deleted = await trx
          .deleteFrom('knowledge_documents')
          .where('kb_id', '=', kbId)
          .where('doc_key', '=', key)
          .executeTakeFirst();
        return Number(deleted.numDeletedRows) > 0;
      },
      signal,
    );
  }

  listDocuments(
    tenantId: string,
    kbId: string,
    viewer: Viewer,
    page: { limit: number; after?: string | undefined },
    signal?: AbortSignal,
  ): Promise<StoredDocument[]> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        let query = trx
          .selectFrom('knowledge_documents')
          .selectAll()
          .where('kb_id', '=', kbId)
          .where('sensitivity', '<=', viewer.clearance)
          .where('access_group', 'in', ['everyone', ...viewer.groups])
          .orderBy('doc_key')
          .limit(page.limit);
        if (page.after !== undefined) query = query.where('doc_key', '>', page.after);
        return (await query.execute()).map((row) => toDocument(row as DocumentRow));
      },
      signal,
    );
  }

  stats(
    tenantId: string,
    kbId: string,
    signal?: AbortSignal,
  ): Promise<{ documents: number; chunks: number }> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const row = await trx
          .selectFrom('knowledge_documents')
          .select([
            (eb) => eb.fn.countAll<string>().as('documents'),
            (eb) => eb.fn.coalesce(eb.fn.sum<string>('chunk_count'), sql<string>`0`).as('chunks'),
          ])
          .where('kb_id', '=', kbId)
          .executeTakeFirst();
        return { documents: Number(row?.documents ?? 0), chunks: Number(row?.chunks ?? 0) };
      },
      signal,
    );
  }

  async denseSearch(
    tenantId: string,
    query: ScanQuery,
    embedding: readonly number[],
    signal?: AbortSignal,
  ): Promise<ChunkHit[]> {
    const hnsw = (await this.denseIndex()) === 'hnsw' && embedding.length <= HNSW_MAX_DIMENSIONS;
    const rows = await inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        if (!hnsw) return denseExact(trx, tenantId, query, embedding);
        const small = (await baseChunks(trx, tenantId, query.kbId)) <= this.exactScanMaxChunks;
        return small
          ? denseScan(trx, tenantId, query, embedding)
          : denseHnsw(trx, tenantId, query, embedding);
      },
      signal,
    );
    // A chunk at a right angle (or beyond) to the query shares nothing with it: not a hit.
    return rows.filter((row) => Number(row.score) > 0).map(toHit);
  }

  async sparseSearch(
    tenantId: string,
    query: ScanQuery,
    tokens: readonly string[],
    signal?: AbortSignal,
  ): Promise<ChunkHit[]> {
    signal?.throwIfAborted();
    const rows = await sparse(this.db, tenantId, query, tokens);
    return rows.map(toHit);
  }

  async basesWithRetention(): Promise<{ tenantId: string; kbId: string; retention: string }[]> {
    const { rows } = await sql<{ tenant_id: string; id: string; retention: string }>`
      select tenant_id, id, spec->>'retention' as retention from knowledge_bases
      where spec ? 'retention'`.execute(this.db);
    return rows.map((row) => ({ tenantId: row.tenant_id, kbId: row.id, retention: row.retention }));
  }

  deleteStale(tenantId: string, kbId: string, before: Date, signal?: AbortSignal): Promise<number> {
    return inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        const deleted = await trx
          .deleteFrom('knowledge_documents')
          .where('kb_id', '=', kbId)
          .where('updated_at', '<', before)
          .executeTakeFirst();
        return Number(deleted.numDeletedRows);
      },
      signal,
    );
  }

  /**
   * Refreshes the planner's statistics once enough chunks were written: PGlite has no autovacuum,
   * and without them the planner scans a base's every chunk instead of using the HNSW index. One
   * at a time, off the caller's path.
   */
  #maybeAnalyze(): void {
    if (this.#analyzing || this.#written < Math.max(ANALYZE_AFTER_CHUNKS, this.#analyzedRows / 10)) return;
    this.#written = 0;
    this.#analyzing = (async () => {
      await sql`analyze knowledge_chunks`.execute(this.db);
      await sql`analyze knowledge_documents`.execute(this.db);
      const { rows } = await sql<{ rows: number }>`
        select reltuples::bigint as rows from pg_class where oid = 'knowledge_chunks'::regclass`.execute(
        this.db,
      );
      this.#analyzedRows = Number(rows[0]?.rows ?? 0);
    })()
      .catch(() => undefined)
      .finally(() => {
        this.#analyzing = undefined;
      });
  }

  /** A partial HNSW index for a new dimension (the database owner's statement, not a tenant's). */
  async #ensureIndex(dims: number): Promise<void> {
    if (this.#indexed.has(dims) || dims > HNSW_MAX_DIMENSIONS) return;
    const n = sql.raw(String(Math.trunc(dims)));
    await sql`create index if not exists ${sql.raw(`knowledge_chunks_hnsw_${Math.trunc(dims)}`)}
      on knowledge_chunks using hnsw ((embedding::vector(${n})) vector_cosine_ops) where dims = ${n}`.execute(
      this.db,
    );
    this.#indexed.add(dims);
  }
}
