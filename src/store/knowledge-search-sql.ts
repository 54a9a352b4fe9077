import { type Kysely, type RawBuilder, sql } from 'kysely';
import { EVERYONE_GROUP } from '../contracts/index.ts';
import type { ChunkHit, ScanQuery } from '../knowledge/index.ts';
import { writeJson } from './json-columns.ts';
import type { DB } from './schema.ts';
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
  const dims = Math.trunc(embedding.length);
  const type = sql.raw(`vector(${dims})`);
  const probe = `[${embedding.join(',')}]`;
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

/** A term in more than this share of chunks only ranks; it retrieves only when no rarer term does. */
export const COMMON_TERM_SHARE = 0.01;

/**
 * Full-text matches ranked by cover density normalised by length (`ts_rank_cd` with flag 1) over
 * every query term. Which chunks are ranked is chosen for speed: the chunks holding any *rare*
 * term (in under 1 % of chunks, by the planner's statistics), then, while fewer than `limit`, the
 * chunks holding *every* term. A query of common words alone ("security incident") would
 * otherwise rank a third of the base. Tokens are the segmenter's (letters, digits and underscores
 * only), so they are safe lexemes; anything else is dropped here as well.
 *
 * Runs outside row-level security, on the tenant predicate it carries: `@@` is not leakproof, so
 * under a policy PostgreSQL may not use the GIN index and scans every chunk of every tenant.
 */
export async function sparse(
  trx: Kysely<DB>,
  tenantId: string,
  query: ScanQuery,
  tokens: readonly string[],
  common: ReadonlySet<string>,
): Promise<HitRow[]> {
  const lexemes = [...new Set(tokens.filter((token) => /^[\p{L}\p{N}_]+$/u.test(token)))].slice(0, 64);
  if (lexemes.length === 0) return [];
  const ranking = lexemes.join(' | ');
  const rare = lexemes.filter((lexeme) => !common.has(lexeme));
  // Rank ids first (narrow rows), then read the columns of the few that made the cut.
  const select = (candidates: string, exclude: readonly string[]) => sql<HitRow>`
    with ranked as (
      select c.id, ts_rank_cd(c.tsv, rq, 1) as score
      from knowledge_chunks c join knowledge_documents d on d.id = c.document_id,
        to_tsquery('simple', ${ranking}) rq, to_tsquery('simple', ${candidates}) cq
      where c.tsv @@ cq and ${scanPredicate(tenantId, query)}
        ${exclude.length > 0 ? sql`and c.id <> all(${[...exclude]}::text[])` : sql``}
      order by score desc, c.id
      limit ${query.limit - exclude.length})
    select ${HIT_COLUMNS}, ranked.score
    from ranked join knowledge_chunks c on c.id = ranked.id join knowledge_documents d on d.id = c.document_id
    order by ranked.score desc, c.id`;
  const rows = rare.length > 0 ? (await select(rare.join(' | '), []).execute(trx)).rows : [];
  if (rows.length < query.limit && rare.length < lexemes.length) {
    const all = await select(
      lexemes.join(' & '),
      rows.map((row) => row.id),
    ).execute(trx);
    rows.push(...all.rows);
  }
  return rows;
}

/** Terms of the chunk table's most common elements with a share of at least `share` (needs ANALYZE). */
export async function commonTerms(db: Kysely<DB>, share: number): Promise<Set<string>> {
  const { rows } = await sql<{ elems: string[] | null; freqs: number[] | null }>`
    select most_common_elems::text::text[] as elems, most_common_elem_freqs as freqs
    from pg_stats where tablename = 'knowledge_chunks' and attname = 'tsv'
      and schemaname = current_schema()`.execute(db);
  const terms = new Set<string>();
  const row = rows[0];
  row?.elems?.forEach((term, index) => {
    if ((row.freqs?.[index] ?? 0) >= share) terms.add(term);
  });
  return terms;
}
