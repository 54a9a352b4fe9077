import { type RawBuilder, sql } from 'kysely';
import { EVERYONE_GROUP } from '../contracts/index.ts';
import type { ChunkHit, ScanQuery } from '../knowledge/index.ts';
import { writeJson } from './json-columns.ts';
import type { Tx } from './tenant-scope.ts';

/** pgvector's HNSW index holds vectors of at most this many dimensions. */
export const HNSW_MAX_DIMENSIONS = 2000;

export type HitRow = {
  id: string;
  doc_key: string;
  source: string | null;
  title: string | null;
  heading: string | null;
  text: string;
  tokens: string;
  start_offset: number;
  end_offset: number;
  metadata: unknown;
  access_group: string;
  sensitivity: number;
  score: number | string;
};

export function toHit(row: HitRow): ChunkHit {
  return {
    chunkId: row.id,
    documentKey: row.doc_key,
    source: row.source,
    title: row.title,
    heading: row.heading,
    text: row.text,
    tokens: row.tokens,
    start: row.start_offset,
    end: row.end_offset,
    score: Number(row.score),
    metadata: (row.metadata ?? {}) as Record<string, unknown>,
    accessGroup: row.access_group,
    sensitivity: row.sensitivity,
  };
}

/**
 * The predicate every scan carries: the base, the viewer's access (a group they are in, or
 * everyone; a sensitivity within their clearance) and the caller's filters. It sits in the scan's
 * WHERE, so the index scan skips what the viewer may not read before the limit applies.
 */
export function scanPredicate(query: ScanQuery): RawBuilder<boolean> {
  const groups = [EVERYONE_GROUP, ...query.viewer.groups];
  const parts = [
    sql`c.kb_id = ${query.kbId}`,
    sql`c.sensitivity <= ${query.viewer.clearance}`,
    sql`c.access_group = any(${groups}::text[])`,
  ];
  const documents = query.filters?.documents;
  if (documents && documents.length > 0) parts.push(sql`d.doc_key = any(${documents}::text[])`);
  const metadata = query.filters?.metadata;
  if (metadata && Object.keys(metadata).length > 0)
    parts.push(sql`d.metadata @> ${writeJson(metadata)}::jsonb`);
  return sql<boolean>`${sql.join(parts, sql` and `)}`;
}

const HIT_COLUMNS = sql`c.id, d.doc_key, d.source, d.title, c.heading, c.text, c.tokens, c.start_offset, c.end_offset,
  d.metadata, c.access_group, c.sensitivity`;

/**
 * Nearest chunks by cosine with pgvector. The cast to the exact dimension lets the planner use the
 * partial HNSW index of that dimension; `iterative_scan` keeps the index scan going until `limit`
 * rows pass the access predicate (pgvector ≥ 0.8), so a filter never shortens the answer.
 */
export async function denseHnsw(trx: Tx, query: ScanQuery, embedding: readonly number[]): Promise<HitRow[]> {
  const dims = Math.trunc(embedding.length);
  const type = sql.raw(`vector(${dims})`);
  const probe = `[${embedding.join(',')}]`;
  await sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true),
    set_config('hnsw.ef_search', ${String(Math.max(40, query.limit * 2))}, true)`.execute(trx);
  const { rows } = await sql<HitRow>`
    select ${HIT_COLUMNS}, 1 - (c.embedding::${type} <=> ${probe}::${type}) as score
    from knowledge_chunks c join knowledge_documents d on d.id = c.document_id
    where c.dims = ${sql.raw(String(dims))} and ${scanPredicate(query)}
    order by c.embedding::${type} <=> ${probe}::${type}
    limit ${query.limit}`.execute(trx);
  // relaxed_order may return neighbours slightly out of order: put them back in order.
  return rows.sort((a, b) => Number(b.score) - Number(a.score));
}

/** Without pgvector: an exact scan, the dot product of unit vectors computed in the database. */
export async function denseExact(trx: Tx, query: ScanQuery, embedding: readonly number[]): Promise<HitRow[]> {
  const { rows } = await sql<HitRow>`
    select ${HIT_COLUMNS},
      (select sum(a * b) from unnest(c.embedding, ${embedding as number[]}::real[]) as t(a, b)) as score
    from knowledge_chunks c join knowledge_documents d on d.id = c.document_id
    where c.dims = ${embedding.length} and ${scanPredicate(query)}
    order by score desc nulls last
    limit ${query.limit}`.execute(trx);
  return rows;
}

/**
 * Full-text matches of any token, ranked by cover density normalised by length (`ts_rank_cd`
 * with flag 1). Tokens are the segmenter's (letters, digits and underscores only), so they are
 * safe lexemes; anything else is dropped here as well.
 */
export async function sparse(trx: Tx, query: ScanQuery, tokens: readonly string[]): Promise<HitRow[]> {
  const lexemes = [...new Set(tokens.filter((token) => /^[\p{L}\p{N}_]+$/u.test(token)))].slice(0, 64);
  if (lexemes.length === 0) return [];
  const tsquery = lexemes.join(' | ');
  const { rows } = await sql<HitRow>`
    select ${HIT_COLUMNS}, ts_rank_cd(c.tsv, q, 1) as score
    from knowledge_chunks c join knowledge_documents d on d.id = c.document_id,
      to_tsquery('simple', ${tsquery}) q
    where c.tsv @@ q and ${scanPredicate(query)}
    order by score desc, c.id
    limit ${query.limit}`.execute(trx);
  return rows;
}
