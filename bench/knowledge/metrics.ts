import { percentile } from '../run-support.ts';

/** A judged passage located in its document: [start, end) in UTF-16 code units of the content. */
export interface Judgment {
  document: string;
  passage: string;
  start: number;
  end: number;
}

/** The part of a search hit the judgment reads. */
export interface Hit {
  documentId: string;
  text: string;
  start?: number | null;
  end?: number | null;
}

/** How a hit was judged: by its offsets, or by its text (no offsets, or offsets that do not fit). */
export type JudgeRule = 'offsets' | 'text';

/** Characters of the passage the text rule looks for. */
export const TEXT_PREFIX = 40;

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Locates each judged passage in its document. Throws if a passage is not in the document: the
 * evaluation set is broken (the generator checks this too).
 */
export function locate(
  relevant: ReadonlyArray<{ document: string; passage: string }>,
  contentOf: (document: string) => string | undefined,
): Judgment[] {
  return relevant.map(({ document, passage }) => {
    const start = contentOf(document)?.indexOf(passage) ?? -1;
    if (start < 0) throw new Error(`passage not found in ${document}: ${passage}`);
    return { document, passage, start, end: start + passage.length };
  });
}

/**
 * Whether a hit's offsets describe its text: `content.slice(start, end)` and the hit's text hold
 * one another (whitespace aside). A chunk text with a heading path in front still fits; offsets
 * into some other text (say, markdown stripped to plain text) do not.
 */
export function offsetsFit(hit: Hit, content: string | undefined): boolean {
  if (typeof hit.start !== 'number' || typeof hit.end !== 'number' || hit.end <= hit.start) return false;
  if (content === undefined) return true;
  const slice = squash(content.slice(hit.start, hit.end));
  const text = squash(hit.text);
  return slice.length > 0 && (text.includes(slice) || slice.includes(text));
}

/**
 * The judgment rule of README.md: a hit is relevant to a judged passage when it belongs to the
 * passage's document and its [start, end) range covers at least half of the passage's range; when
 * the hit has no usable offsets, when its text contains the passage's first 40 characters.
 */
export function judge(
  hit: Hit,
  judgment: Judgment,
  content?: string,
): { relevant: boolean; rule: JudgeRule } {
  const rule: JudgeRule = offsetsFit(hit, content) ? 'offsets' : 'text';
  if (hit.documentId !== judgment.document) return { relevant: false, rule };
  if (rule === 'offsets') {
    const overlap = Math.min(hit.end as number, judgment.end) - Math.max(hit.start as number, judgment.start);
    return { relevant: overlap >= 0.5 * (judgment.end - judgment.start), rule };
  }
  return { relevant: squash(hit.text).includes(squash(judgment.passage.slice(0, TEXT_PREFIX))), rule };
}

export interface QueryScore {
  /** Fraction of the judged passages found in the top `k` hits. */
  recall: number;
  /** 1 / rank of the first relevant hit within the top `depth`, 0 if none. */
  reciprocalRank: number;
  /** How many of the hits read were judged by offsets, how many by text. */
  rules: Record<JudgeRule, number>;
}

/**
 * recall@k and reciprocal rank@depth of one query's ranked hits. A passage found by two hits
 * (overlapping chunks) counts once; `contentOf` lets the judgment check offsets against the text.
 */
export function scoreQuery(
  hits: readonly Hit[],
  judgments: readonly Judgment[],
  options: { k: number; depth: number; contentOf?: (document: string) => string | undefined },
): QueryScore {
  const rules: Record<JudgeRule, number> = { offsets: 0, text: 0 };
  const found = new Set<number>();
  let reciprocalRank = 0;
  hits.slice(0, Math.max(options.k, options.depth)).forEach((hit, rank) => {
    const content = options.contentOf?.(hit.documentId);
    rules[offsetsFit(hit, content) ? 'offsets' : 'text'] += 1;
    let relevant = false;
    judgments.forEach((judgment, index) => {
      if (!judge(hit, judgment, content).relevant) return;
      relevant = true;
      if (rank < options.k) found.add(index);
    });
    if (relevant && reciprocalRank === 0 && rank < options.depth) reciprocalRank = 1 / (rank + 1);
  });
  return { recall: judgments.length === 0 ? 0 : found.size / judgments.length, reciprocalRank, rules };
}

export interface MeanScore {
  queries: number;
  recall: number;
  mrr: number;
}

export function mean(scores: readonly QueryScore[]): MeanScore {
  const total = (pick: (s: QueryScore) => number) => scores.reduce((sum, s) => sum + pick(s), 0);
  return {
    queries: scores.length,
    recall: scores.length === 0 ? Number.NaN : total((s) => s.recall) / scores.length,
    mrr: scores.length === 0 ? Number.NaN : total((s) => s.reciprocalRank) / scores.length,
  };
}

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

/** p50 / p95 / p99 (nearest rank, as the other benches compute them) and the mean, in ms. */
export function summarizeLatency(values: readonly number[]): LatencySummary {
  const list = [...values];
  return {
    n: list.length,
    p50: percentile(list, 0.5),
    p95: percentile(list, 0.95),
    p99: percentile(list, 0.99),
    mean: list.length === 0 ? Number.NaN : list.reduce((a, b) => a + b, 0) / list.length,
  };
}
