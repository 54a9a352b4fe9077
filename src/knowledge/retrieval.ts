import type { ChunkHit } from './ports.ts';

/** Reciprocal rank fusion's constant (Cormack et al. 2009): damps the weight of the very top ranks. */
export const RRF_K = 60;

/** The words of English and Chinese that say nothing about a topic: dropped from queries. */
const STOPWORDS = new Set(
  (
    'a an and are as at be by can do does for from has have how i if in is it its me my of on or our ' +
    'should so that the their there this to was we what when where which who why will with you your ' +
    '的 了 是 在 和 与 及 或 我 我们 你 他 她 它 这 那 吗 呢 吧 啊 怎么 什么 哪些 如何 为什么 多少 是否 有 被 把 对 从 到 也 就 都 要 会 能 应该 需要'
  ).split(/\s+/),
);

/** Query tokens worth matching: stopwords out, unless nothing else is left. */
export function queryTerms(tokens: readonly string[]): string[] {
  const unique = [...new Set(tokens)];
  const kept = unique.filter((token) => !STOPWORDS.has(token));
  return kept.length > 0 ? kept : unique;
}

export interface FusedHit {
  hit: ChunkHit;
  dense: number | null;
  sparse: number | null;
  fused: number;
  rerank: number | null;
}

/** Merges ranked lists by reciprocal rank: a chunk's score is Σ 1 / (RRF_K + rank). */
export function fuseByRank(dense: readonly ChunkHit[], sparse: readonly ChunkHit[]): FusedHit[] {
  const fused = new Map<string, FusedHit>();
  const add = (hits: readonly ChunkHit[], which: 'dense' | 'sparse') => {
    hits.forEach((hit, rank) => {
      const entry = fused.get(hit.chunkId) ?? { hit, dense: null, sparse: null, fused: 0, rerank: null };
      entry[which] = hit.score;
      entry.fused += 1 / (RRF_K + rank + 1);
      fused.set(hit.chunkId, entry);
    });
  };
  add(dense, 'dense');
  add(sparse, 'sparse');
  return [...fused.values()].sort((a, b) => b.fused - a.fused);
}

/**
 * The lexical re-scorer, used when no cross-encoder is configured: how much of the query a chunk
 * covers. Each query term weighs by its length (longer words say more; CJK words count double per
 * character), and query bigrams found in order add a bonus. The fused rank breaks ties.
 */
export function lexicalRescore(
  terms: readonly string[],
  queryTokens: readonly string[],
  hits: FusedHit[],
  tokensOf: (hit: ChunkHit) => readonly string[],
): FusedHit[] {
  const weight = (term: string) => Math.log2(2 + [...term].length * (/\p{Script=Han}/u.test(term) ? 2 : 1));
  const weights = new Map(terms.map((term) => [term, weight(term)]));
  const total = terms.reduce((sum, term) => sum + (weights.get(term) ?? 0), 0) || 1;
  // The query's bigrams as first token → the tokens that follow it: a chunk's pairs are looked
  // up, never built (a hundred candidates of ~150 tokens each go through here per search).
  const following = new Map<string, Set<string>>();
  let bigrams = 0;
  for (let i = 1; i < queryTokens.length; i++) {
    const [first, second] = [queryTokens[i - 1] as string, queryTokens[i] as string];
    const next = following.get(first) ?? new Set<string>();
    if (!next.has(second)) bigrams++;
    following.set(first, next.add(second));
  }
  const maxFused = hits[0]?.fused ?? 1;
  for (const entry of hits) {
    const found = new Set<string>();
    let covered = 0;
    let pairs = 0;
    let after: Set<string> | undefined;
    for (const token of tokensOf(entry.hit)) {
      const termWeight = weights.get(token);
      if (termWeight !== undefined && !found.has(token)) {
        found.add(token);
        covered += termWeight;
      }
      if (after?.has(token)) pairs++;
      after = following.get(token);
    }
    const bonus = bigrams > 0 ? Math.min(1, pairs / bigrams) * 0.3 : 0;
    entry.rerank = covered / total + bonus + 0.2 * (entry.fused / maxFused);
  }
  return hits.sort((a, b) => (b.rerank ?? 0) - (a.rerank ?? 0) || b.fused - a.fused);
}

/** How many chunks of one base hold each of a query's terms. */
export interface TermStatistics {
  /** Chunks in the base. */
  chunks: number;
  /** Chunks holding each term; a term not listed is in none. */
  holding: ReadonlyMap<string, number>;
}

/** A term in at least this share of a base's chunks only ranks; it retrieves only when no rarer term does. */
export const COMMON_TERM_SHARE = 0.01;
/** A term in at most this many chunks always retrieves: they are cheap to rank, and in a small base 1 % is a handful. */
export const ALWAYS_RETRIEVING_CHUNKS = 50;

/**
 * The query terms whose matches the sparse search ranks: those in under `COMMON_TERM_SHARE` of
 * the base's chunks or in at most `ALWAYS_RETRIEVING_CHUNKS`, rarest first. A rare term says the
 * most about a chunk, and ranking costs per candidate, so a query's common words ("security
 * incident") rank the candidates but do not fetch a third of the base. Without statistics every
 * term retrieves.
 */
export function retrievingTerms(terms: readonly string[], statistics: TermStatistics | null): string[] {
  if (!statistics || statistics.chunks <= 0) return [...terms];
  const holding = (term: string) => statistics.holding.get(term) ?? 0;
  const rare = (term: string) =>
    holding(term) <= ALWAYS_RETRIEVING_CHUNKS || holding(term) / statistics.chunks < COMMON_TERM_SHARE;
  return [...terms].filter(rare).sort((a, b) => holding(a) - holding(b));
}
