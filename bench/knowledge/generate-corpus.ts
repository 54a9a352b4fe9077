/**
 * Writes the knowledge evaluation set: bench/knowledge/corpus.jsonl (security SOPs, incident
 * reports and HR / IT / travel policies, English and Chinese) and bench/knowledge/queries.jsonl
 * (queries with judged passages). Deterministic: a seeded PRNG, no network, no model. Every judged
 * passage is checked to be an exact substring of its document, and every query's anchors and
 * identifiers to occur in its relevant documents only (see corpus/verify.ts and README.md).
 *
 *   npx tsx bench/knowledge/generate-corpus.ts           # (re)write both files
 *   npx tsx bench/knowledge/generate-corpus.ts --check   # exit 1 if the files differ from a fresh run
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Identifiers } from './corpus/identifiers.ts';
import { INCIDENT_PHRASES_EN, INCIDENT_PHRASES_ZH } from './corpus/incident-phrases.ts';
import { incidentDocuments } from './corpus/incidents.ts';
import { policyDocuments } from './corpus/policies.ts';
import { POLICY_PHRASES_EN, POLICY_PHRASES_ZH } from './corpus/policy-phrases.ts';
import { Random } from './corpus/random.ts';
import { selectQueries } from './corpus/select.ts';
import { SOP_PHRASES_EN, SOP_PHRASES_ZH } from './corpus/sop-phrases.ts';
import { sopDocuments } from './corpus/sops.ts';
import type { DraftDocument } from './corpus/text.ts';
import type { VerifiedCandidate } from './corpus/verify.ts';
import { maxSimilarity, verifyCandidates } from './corpus/verify.ts';
import type { CorpusDocument, EvalQuery } from './dataset.ts';
import {
  CORPUS_FILE,
  CorpusDocumentSchema,
  EvalQuerySchema,
  LANGUAGES,
  QUERIES_FILE,
  toJsonLines,
} from './dataset.ts';

const SEED = 20_240_917;
const MIN_DOCUMENTS = 300;
const MIN_QUERIES = 160;

const random = new Random(SEED);
const ids = new Identifiers(random);
const drafts: DraftDocument[] = random.shuffle([
  ...sopDocuments(random, ids, SOP_PHRASES_EN, 5),
  ...incidentDocuments(random, ids, INCIDENT_PHRASES_EN, 95, 12),
  ...policyDocuments(random, ids, POLICY_PHRASES_EN, 5),
  ...sopDocuments(random, ids, SOP_PHRASES_ZH, 4),
  ...incidentDocuments(random, ids, INCIDENT_PHRASES_ZH, 50, 12),
  ...policyDocuments(random, ids, POLICY_PHRASES_ZH, 4),
]);

const documents: CorpusDocument[] = drafts.map((draft, i) =>
  CorpusDocumentSchema.parse({
    id: `doc-${String(i + 1).padStart(4, '0')}`,
    source: draft.source,
    format: 'markdown',
    language: draft.language,
    content: draft.content,
    metadata: { ...draft.metadata, title: draft.title },
  }),
);
const indexOf = new Map(drafts.map((draft, i) => [draft, i]));
const sources = new Set(documents.map((d) => d.source));
if (sources.size !== documents.length) throw new Error('two documents share a source');

const candidates: VerifiedCandidate[] = drafts.flatMap((draft, index) =>
  draft.candidates.map((candidate) => ({
    candidate,
    relevant: [
      { index, passage: candidate.passage },
      ...(candidate.also ?? []).map((also) => ({
        index: indexOf.get(also.document) ?? -1,
        passage: also.passage,
      })),
    ],
  })),
);
const contents = documents.map((d) => d.content);
const { kept, dropped } = verifyCandidates(contents, candidates);
const selected = random.shuffle(
  selectQueries(random, kept, (index) => {
    const draft = drafts[index] as DraftDocument;
    return { language: draft.language, type: draft.type };
  }),
);
const queries: EvalQuery[] = selected.map((c, i) =>
  EvalQuerySchema.parse({
    id: `q-${String(i + 1).padStart(3, '0')}`,
    language: drafts[c.relevant[0]?.index ?? -1]?.language,
    kind: c.candidate.kind,
    query: c.candidate.query,
    relevant: c.relevant.map((r) => ({ document: documents[r.index]?.id, passage: r.passage })),
  }),
);

const byId = new Map(documents.map((d) => [d.id, d.content]));
for (const query of queries)
  for (const { document, passage } of query.relevant)
    if (!byId.get(document)?.includes(passage)) throw new Error(`${query.id}: passage not in ${document}`);
if (documents.length < MIN_DOCUMENTS) throw new Error(`only ${documents.length} documents`);
if (queries.length < MIN_QUERIES) throw new Error(`only ${queries.length} queries`);

const corpusText = toJsonLines(documents);
const queriesText = toJsonLines(queries);
if (process.argv.includes('--check')) {
  const same = (file: URL, text: string) => {
    try {
      return readFileSync(file, 'utf8') === text;
    } catch {
      return false;
    }
  };
  if (!same(CORPUS_FILE, corpusText) || !same(QUERIES_FILE, queriesText)) {
    console.error('corpus.jsonl or queries.jsonl differs from a fresh run: regenerate them');
    process.exit(1);
  }
  console.log('corpus.jsonl and queries.jsonl are up to date');
  process.exit(0);
}
writeFileSync(CORPUS_FILE, corpusText);
writeFileSync(QUERIES_FILE, queriesText);

const count = <T>(items: readonly T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
};
const lengths = contents.map((c) => c.length).sort((a, b) => a - b);
const similarity = maxSimilarity(
  contents,
  documents.map((d) => d.language),
);
console.log(`documents: ${documents.length} (${count(documents, (d) => d.language)})`);
for (const language of LANGUAGES)
  console.log(
    `  ${language}: ${count(
      documents.filter((d) => d.language === language),
      (d) => d.metadata.type,
    )}`,
  );
console.log(
  `  characters: min ${lengths[0]}, median ${lengths[Math.floor(lengths.length / 2)]}, max ${lengths.at(-1)}`,
);
console.log(
  `  most similar pair: ${documents[similarity.a]?.id} / ${documents[similarity.b]?.id}, Jaccard ${similarity.similarity.toFixed(2)} (5-word / 8-character shingles); mean nearest neighbour ${similarity.meanNearest.toFixed(2)}`,
);
console.log(`queries: ${queries.length} (${count(queries, (q) => q.language)})`);
for (const language of LANGUAGES) {
  const own = queries.filter((q) => q.language === language);
  console.log(`  ${language}: ${count(own, (q) => q.kind)}`);
  console.log(
    `  ${language} by document type: ${count(own, (q) => documents.find((d) => d.id === q.relevant[0]?.document)?.metadata.type ?? '?')}`,
  );
}
console.log(`  with several relevant documents: ${queries.filter((q) => q.relevant.length > 1).length}`);
console.log(`candidates: ${candidates.length}, verified ${kept.length}, dropped:`);
for (const [reason, { count: n, example }] of dropped) console.log(`  ${n} × ${reason} (e.g. "${example}")`);
console.log(
  `files: corpus.jsonl ${(statSync(CORPUS_FILE).size / 1024).toFixed(0)} KiB, queries.jsonl ${(statSync(QUERIES_FILE).size / 1024).toFixed(0)} KiB`,
);
