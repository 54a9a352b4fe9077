import type { DocumentType, Language, QueryKind } from '../dataset.ts';
import type { Random } from './random.ts';
import type { VerifiedCandidate } from './verify.ts';

/** How many queries of each kind and each document type one language gets. */
export interface Quota {
  kinds: Record<QueryKind, number>;
  types: Record<DocumentType, number>;
}

export const QUOTAS: Record<Language, Quota> = {
  en: {
    kinds: { identifier: 38, keyword: 30, paraphrase: 46 },
    types: { sop: 46, incident: 48, policy: 20 },
  },
  zh: {
    kinds: { identifier: 18, keyword: 14, paraphrase: 26 },
    types: { sop: 22, incident: 26, policy: 10 },
  },
};

const PER_DOCUMENT = 2;

/**
 * Picks queries in a seeded order until every kind and type quota is met: queries with several
 * relevant documents first (they are rare), at most two queries per document, no query twice.
 * A second pass lets the type quotas overflow so the kind quotas fill.
 */
export function selectQueries(
  random: Random,
  candidates: readonly VerifiedCandidate[],
  documentOf: (index: number) => { language: Language; type: DocumentType },
): VerifiedCandidate[] {
  const ordered = random
    .shuffle(candidates)
    .sort((a, b) => Number(b.relevant.length > 1) - Number(a.relevant.length > 1));
  const chosen: VerifiedCandidate[] = [];
  const perDocument = new Map<number, number>();
  const texts = new Set<string>();
  const used = (language: Language) => ({
    kinds: (kind: QueryKind) =>
      chosen.filter(
        (c) => documentOf(c.relevant[0]?.index ?? -1).language === language && c.candidate.kind === kind,
      ).length,
    types: (type: DocumentType) =>
      chosen.filter((c) => {
        const d = documentOf(c.relevant[0]?.index ?? -1);
        return d.language === language && d.type === type;
      }).length,
  });
  for (const pass of ['strict', 'relaxed'] as const) {
    for (const c of ordered) {
      const main = c.relevant[0]?.index ?? -1;
      const { language, type } = documentOf(main);
      const quota = QUOTAS[language];
      const count = used(language);
      if (chosen.includes(c) || texts.has(c.candidate.query)) continue;
      if ((perDocument.get(main) ?? 0) >= PER_DOCUMENT) continue;
      if (count.kinds(c.candidate.kind) >= quota.kinds[c.candidate.kind]) continue;
      if (pass === 'strict' && count.types(type) >= quota.types[type]) continue;
      chosen.push(c);
      texts.add(c.candidate.query);
      perDocument.set(main, (perDocument.get(main) ?? 0) + 1);
    }
  }
  return chosen;
}
