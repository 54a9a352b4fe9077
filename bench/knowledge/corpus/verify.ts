import type { QueryCandidate } from './text.ts';

/** Ticket ids, document ids, addresses, host and account names, AWS account numbers. */
const IDENTIFIER =
  /\b(?:[A-Z]{2,4}-\d{4}-\d{3,5}|(?:SOP|POL)-[A-Z]{3}-\d{3}|\d{1,3}(?:\.\d{1,3}){3}|[a-z]{2,4}-[a-z0-9]{2,6}-[a-z0-9]{2,8}|\d{12})\b/g;

/** The identifiers a query names (host-like tokens only when they hold a digit). */
export const identifiersIn = (text: string): string[] =>
  [...text.matchAll(IDENTIFIER)].map((m) => m[0]).filter((token) => /\d/.test(token));

/** Markdown a chunker or extractor may drop or rewrite: passages stay clear of it. */
const MARKUP = /[*|`[\]\n_]|^#/;

/** A candidate with its relevant documents resolved to indexes into the document list. */
export interface VerifiedCandidate {
  candidate: QueryCandidate;
  /** The main document first. */
  relevant: Array<{ index: number; passage: string }>;
}

/** The text of the section (between headings) a passage is in. */
function sectionAround(content: string, passage: string): string {
  const at = content.indexOf(passage);
  const start = content.lastIndexOf('\n#', at);
  const end = content.indexOf('\n#', at + passage.length);
  return content.slice(Math.max(0, start), end < 0 ? content.length : end);
}

/**
 * Keeps the candidates whose judgment is provably complete and well-formed, and says why the others
 * went. Rules: the passage is plain text of 10–200 characters found verbatim in its document; all
 * anchors occur in every relevant document and together in no other; each identifier the query
 * names occurs in relevant documents only; an identifier query names one in the passage's section.
 */
export function verifyCandidates(
  contents: readonly string[],
  candidates: readonly VerifiedCandidate[],
): { kept: VerifiedCandidate[]; dropped: Map<string, { count: number; example: string }> } {
  const lower = contents.map((c) => c.toLowerCase());
  const dropped = new Map<string, { count: number; example: string }>();
  const drop = (reason: string, example: string) =>
    dropped.set(reason, { count: (dropped.get(reason)?.count ?? 0) + 1, example });
  const kept: VerifiedCandidate[] = [];
  for (const { candidate, relevant } of candidates) {
    const relevantSet = new Set(relevant.map((r) => r.index));
    const problem = (() => {
      for (const r of relevant) {
        if (r.passage.length < 10 || r.passage.length > 200) return 'passage length outside 10–200';
        if (MARKUP.test(r.passage)) return 'passage holds markdown';
        if (!contents[r.index]?.includes(r.passage)) return 'passage not in its document';
      }
      const anchors = candidate.anchors.map((a) => a.toLowerCase());
      if (anchors.length === 0) throw new Error(`candidate without anchors: ${candidate.query}`);
      const holders = lower.flatMap((text, i) => (anchors.every((a) => text.includes(a)) ? [i] : []));
      if (![...relevantSet].every((i) => holders.includes(i)))
        return 'anchor missing from a relevant document';
      if (holders.length !== relevantSet.size) return 'anchors also in another document';
      const names = identifiersIn(candidate.query);
      for (const name of names) {
        const at = lower.flatMap((text, i) => (text.includes(name.toLowerCase()) ? [i] : []));
        if (at.length === 0 || at.some((i) => !relevantSet.has(i))) return 'query identifier not unique';
      }
      if (candidate.kind === 'identifier') {
        if (names.length === 0) return 'identifier query names no identifier';
        const near = relevant.some((r) =>
          names.some((n) => sectionAround(contents[r.index] ?? '', r.passage).includes(n)),
        );
        if (!near) return "identifier outside the passage's section";
      }
      return undefined;
    })();
    if (problem) drop(problem, candidate.query);
    else kept.push({ candidate, relevant });
  }
  return { kept, dropped };
}

/** Highest Jaccard similarity of shingles between two documents of the same language. */
export function maxSimilarity(contents: readonly string[], languages: readonly string[]) {
  const shingles = contents.map((content, i) => {
    const tokens =
      languages[i] === 'zh'
        ? [...content.replace(/\s+/g, '')]
        : content
            .toLowerCase()
            .split(/[^\p{L}\p{N}]+/u)
            .filter(Boolean);
    const size = languages[i] === 'zh' ? 8 : 5;
    const set = new Set<string>();
    for (let t = 0; t + size <= tokens.length; t += 1) set.add(tokens.slice(t, t + size).join(' '));
    return set;
  });
  let best = { similarity: 0, a: 0, b: 0 };
  let sumNearest = 0;
  for (let a = 0; a < shingles.length; a += 1) {
    let nearest = 0;
    for (let b = 0; b < shingles.length; b += 1) {
      if (a === b || languages[a] !== languages[b]) continue;
      const left = shingles[a] as Set<string>;
      const right = shingles[b] as Set<string>;
      let shared = 0;
      for (const s of left) if (right.has(s)) shared += 1;
      const similarity = shared / (left.size + right.size - shared);
      nearest = Math.max(nearest, similarity);
      if (similarity > best.similarity) best = { similarity, a, b };
    }
    sumNearest += nearest;
  }
  return { ...best, meanNearest: sumNearest / shingles.length };
}
