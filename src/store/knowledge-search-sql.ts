import { type Kysely, type RawBuilder, sql } from 'kysely';
import { EVERYONE_GROUP } from '../contracts/index.ts';
import { type ChunkHit, retrievingTerms, type ScanQuery, type TermStatistics } from '../knowledge/index.ts';
import { writeJson } from './json-columns.ts';
import type { DB } from './schema.ts';
import type { Tx } from './tenant-scope.ts';

/** pgvector's HNSW index holds vectors of at most this many dimensions. */
export const HNSW_MAX_DIMENSIONS = 2000;

/** Sparse candidates kept by term frequency per hit asked for, before cover density ranks them. */
export const PRESELECT_PER_HIT = 4;

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
export function scanPredicate(tenantId: string, query: ScanQuery): RawBuilder<boolean> {
  const groups = [EVERYONE_GROUP, ...query.viewer.groups];
  const parts = [
    sql`c.tenant_id = ${tenantId}`,
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

/** The documents table (`d`), joined only where `scanPredicate` reads it: a document or metadata filter. */
function documentsJoin(query: ScanQuery): RawBuilder<unknown> {
  const needed =
    (query.filters?.documents?.length ?? 0) > 0 || Object.keys(query.filters?.metadata ?? {}).length > 0;
  return needed ? sql`join knowledge_documents d on d.id = c.document_id` : sql``;
}

/** The embedding as a pgvector literal, and the type of its exact dimension (which picks the partial index). */
function vectorProbe(embedding: readonly number[]) {
  const dims = Math.trunc(embedding.length);
  return { dims, type: sql.raw(`vector(${dims})`), probe: `[${embedding.join(',')}]` };
}

const HIT_COLUMNS = sql`c.id, d.doc_key, d.source, d.title, c.heading, c.text, c.tokens, c.start_offset, c.end_offset,
  d.metadata, c.access_group, c.sensitivity`;

/**
 * Nearest chunks by cosine with pgvector. The cast to the exact dimension lets the planner use the
 * partial HNSW index of that dimension; `iterative_scan` keeps the index scan going until `limit`
 * rows pass the access predicate (pgvector ≥ 0.8), so a filter never shortens the answer.
 */
export async function denseHnsw(
  trx: Tx,
  tenantId: string,
  query: ScanQuery,
  embedding: readonly number[],
): Promise<HitRow[]> {
  const { dims, type, probe } = vectorProbe(embedding);
  await sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true),
    set_config('hnsw.ef_search', ${String(Math.max(40, query.limit * 2))}, true)`.execute(trx);
  const { rows } = await sql<HitRow>`
    select ${HIT_COLUMNS}, 1 - (c.embedding::${type} <=> ${probe}::${type}) as score
    from knowledge_chunks c join knowledge_documents d on d.id = c.document_id
    where c.dims = ${sql.raw(String(dims))} and ${scanPredicate(tenantId, query)}
    order by c.embedding::${type} <=> ${probe}::${type}
    limit ${query.limit}`.execute(trx);
  // relaxed_order may return neighbours slightly out of order: put them back in order.
  return rows.sort((a, b) => Number(b.score) - Number(a.score));
}

/**
 * pgvector without its index: every chunk of a small base by cosine, exactly. The HNSW index is
 * shared by every base of every tenant, so a small base's neighbours come out of it only after
 * the walk passed the nearer chunks of other bases, and an approximate walk through a large
 * neighbour misses some of them: recall fell from 0.63 to 0.51 on the benchmark's small base once
 * a 100k-chunk base shared the table. The materialized CTE keeps the planner off the index.
 */
export async function denseScan(
  trx: Tx,
  tenantId: string,
  query: ScanQuery,
  embedding: readonly number[],
): Promise<HitRow[]> {
  const { dims, type, probe } = vectorProbe(embedding);
  const { rows } = await sql<HitRow>`
    with scanned as materialized (
      select c.id, c.embedding::${type} <=> ${probe}::${type} as distance
      from knowledge_chunks c ${documentsJoin(query)}
      where c.dims = ${sql.raw(String(dims))} and ${scanPredicate(tenantId, query)}),
    nearest as (select id, distance from scanned order by distance, id limit ${query.limit})
    select ${HIT_COLUMNS}, 1 - nearest.distance as score
    from nearest join knowledge_chunks c on c.id = nearest.id join knowledge_documents d on d.id = c.document_id
    order by nearest.distance, c.id`.execute(trx);
  return rows;
}

/** How many chunks a base has (the empty term of `knowledge_terms`, which triggers keep). */
export async function baseChunks(db: Kysely<DB> | Tx, tenantId: string, kbId: string): Promise<number> {
  const row = await db
    .selectFrom('knowledge_terms')
    .select('chunks')
    .where('tenant_id', '=', tenantId)
    .where('kb_id', '=', kbId)
    .where('term', '=', '')
    .executeTakeFirst();
  return Number(row?.chunks ?? 0);
}

/** Without pgvector: an exact scan, the dot product of unit vectors computed in the database. */
export async function denseExact(
  trx: Tx,
  tenantId: string,
  query: ScanQuery,
  embedding: readonly number[],
): Promise<HitRow[]> {
  const { rows } = await sql<HitRow>`
    select ${HIT_COLUMNS},
      (select sum(a * b) from unnest(c.embedding, ${embedding as number[]}::real[]) as t(a, b)) as score
    from knowledge_chunks c join knowledge_documents d on d.id = c.document_id
    where c.dims = ${embedding.length} and ${scanPredicate(tenantId, query)}
    order by score desc nulls last
    limit ${query.limit}`.execute(trx);
  return rows;
}

/**
 * Full-text matches ranked by cover density normalised by length (`ts_rank_cd` with flag 1) over
 * every query term. Which chunks are ranked is chosen for speed, since ranking costs per chunk:
 * the chunks holding any of the query's terms that are rare in the base (see `retrievingTerms`;
 * the counts are the base's, kept in `knowledge_terms`), then, while fewer than `limit`, the
 * chunks holding *every* term. Tokens are the segmenter's (letters, digits and underscores only),
 * so they are safe lexemes; anything else is dropped here as well.
 *
 * Runs outside row-level security, on the tenant predicate it carries: `@@` is not leakproof, so
 * under a policy PostgreSQL may not use the GIN index and scans every chunk of every tenant.
 */
export async function sparse(
  db: Kysely<DB>,
  tenantId: string,
  query: ScanQuery,
  tokens: readonly string[],
): Promise<HitRow[]> {
  const lexemes = [...new Set(tokens.filter((token) => /^[\p{L}\p{N}_]+$/u.test(token)))].slice(0, 64);
  if (lexemes.length === 0) return [];
  const ranking = lexemes.join(' | ');
  const rare = retrievingTerms(lexemes, await termStatistics(db, tenantId, query.kbId, lexemes));
  // Rank ids first (narrow rows), then read the columns of the few that made the cut. Cover
  // density (ts_rank_cd) is ten times the cost of term frequency (ts_rank) a chunk, so a large
  // candidate set is cut to the best PRESELECT_PER_HIT per hit by ts_rank before it.
  const select = (candidates: string, exclude: readonly string[]) => sql<HitRow>`
    with matched as (
      select c.id, c.tsv
      from knowledge_chunks c ${documentsJoin(query)}
        cross join to_tsquery('simple', ${ranking}) rq cross join to_tsquery('simple', ${candidates}) cq
      where c.tsv @@ cq and ${scanPredicate(tenantId, query)}
        ${exclude.length > 0 ? sql`and c.id <> all(${[...exclude]}::text[])` : sql``}
      order by ts_rank(c.tsv, rq, 1) desc, c.id
      limit ${(query.limit - exclude.length) * PRESELECT_PER_HIT}),
    ranked as (
      select m.id, ts_rank_cd(m.tsv, to_tsquery('simple', ${ranking}), 1) as score
      from matched m
      order by score desc, m.id
      limit ${query.limit - exclude.length})
    select ${HIT_COLUMNS}, ranked.score
    from ranked join knowledge_chunks c on c.id = ranked.id join knowledge_documents d on d.id = c.document_id
    order by ranked.score desc, c.id`;
  const rows = rare.length > 0 ? (await select(rare.join(' | '), []).execute(db)).rows : [];
  if (rows.length < query.limit && rare.length < lexemes.length) {
    const all = await select(
      lexemes.join(' & '),
      rows.map((row) => row.id),
    ).execute(db);
    rows.push(...all.rows);
  }
  return rows;
}

/** How many of the base's chunks hold each term, and (the empty term) how many it has. */
export async function termStatistics(
  db: Kysely<DB>,
  tenantId: string,
  kbId: string,
  terms: readonly string[],
): Promise<TermStatistics> {
  const rows = await db
    .selectFrom('knowledge_terms')
    .select(['term', 'chunks'])
    .where('tenant_id', '=', tenantId)
    .where('kb_id', '=', kbId)
    .where('term', 'in', ['', ...terms])
    .execute();
  const holding = new Map(rows.map((row) => [row.term, Number(row.chunks)]));
  return { chunks: holding.get('') ?? 0, holding };
}
