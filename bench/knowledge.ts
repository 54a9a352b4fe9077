/**
 * Retrieval quality and search latency of the knowledge API, on the platform as users run it
 * (`actl up`: one process, embedded PGlite, in a temporary data directory, on a random port).
 *
 * Quality: the evaluation set in bench/knowledge/ (333 SOPs, incident reports and policies in
 * English and Chinese; 172 queries with judged passages, see bench/knowledge/README.md) is
 * ingested into a base "eval" (hashing embedder, 800-character chunks, 120 overlap), and every
 * query is searched (top 10) in four configurations: sparse only, dense only, hybrid, hybrid with
 * re-ranking. Reported: recall@5 and MRR@10, overall, by language and by query kind.
 *
 * Latency at scale: a second base "scale" holds the corpus plus filler documents (corpus sentences
 * recombined, identifiers and numbers rewritten) up to --chunks chunks. The eval queries, repeated
 * to --searches searches, run against "scale" one at a time and --concurrency at a time, per
 * configuration; the anchor is the same searches against the small "eval" base on the same server,
 * so the ratio is what the extra chunks cost. Client-measured p50 / p95 / p99; the issue's target
 * is p95 < 50 ms on PGlite. Ingestion throughput (documents/s, chunks/s) of both bases.
 *
 * Results go to stdout as markdown tables and to bench/knowledge/results.json.
 *
 *   npx tsx bench/knowledge.ts                                # 100,000 chunks: the full run
 *   npx tsx bench/knowledge.ts --chunks=5000 --searches=200   # a quick run
 *   npx tsx bench/knowledge.ts --chunks=0                     # quality only
 *   npx tsx bench/knowledge.ts --strategy=recursive           # recursive | sentence | markdown-headings
 *   npx tsx bench/knowledge.ts --url=http://127.0.0.1:7070    # a server already running (e.g. actl serve
 *                                                             # on PostgreSQL) whose admin key is BENCH_KEY;
 *                                                             # bases "eval" and "scale" it holds are reused
 *   npx tsx bench/knowledge.ts --data-dir=/var/tmp/kb         # keep actl up's data directory; a later run
 *                                                             # with it reuses the bases (no re-ingestion)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentInput, SearchMode } from './knowledge/client.ts';
import { KnowledgeApiError, KnowledgeClient } from './knowledge/client.ts';
import type { CorpusDocument, EvalQuery } from './knowledge/dataset.ts';
import {
  CORPUS_FILE,
  CorpusDocumentSchema,
  EvalQuerySchema,
  QUERIES_FILE,
  readJsonLines,
} from './knowledge/dataset.ts';
import { FillerGenerator } from './knowledge/filler.ts';
import type { Judgment, MeanScore, QueryScore } from './knowledge/metrics.ts';
import { locate, mean, scoreQuery, summarizeLatency } from './knowledge/metrics.ts';
import type { IngestionResult, LatencyResult, QualityResult } from './knowledge/report.ts';
import { ingestionTable, latencyTable, qualityTable, scaleQualityTable } from './knowledge/report.ts';
import { BENCH_KEY, freePort, ready } from './run-support.ts';

const STRATEGIES = ['markdown-headings', 'recursive', 'sentence'] as const;
const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const STRATEGY = STRATEGIES.find((s) => s === arg('strategy', 'markdown-headings'));
if (!STRATEGY) throw new Error(`--strategy must be one of ${STRATEGIES.join(', ')}`);
const TARGET_CHUNKS = Number(arg('chunks', '100000'));
const SEARCHES = Number(arg('searches', '500'));
const CONCURRENCY = Number(arg('concurrency', '4'));
const TARGET_P95_MS = 50;
const CORPUS_BATCH = 50;
const FILLER_BATCH = 100;
const TOP_K = 10;
const EXTERNAL_URL = arg('url', '');
const KEPT_DATA_DIR = arg('data-dir', '');

const CONFIGURATIONS: ReadonlyArray<{ label: string; mode: SearchMode; rerank: boolean }> = [
  { label: 'sparse', mode: 'sparse', rerank: false },
  { label: 'dense (hashing)', mode: 'dense', rerank: false },
  { label: 'hybrid', mode: 'hybrid', rerank: false },
  { label: 'hybrid + rerank', mode: 'hybrid', rerank: true },
];
const SLICES = ['en', 'zh', 'identifier', 'keyword', 'paraphrase'];

const root = new URL('..', import.meta.url).pathname;
const corpus = readJsonLines(CORPUS_FILE, CorpusDocumentSchema);
const queries = readJsonLines(QUERIES_FILE, EvalQuerySchema);
const contents = new Map(corpus.map((d) => [d.id, d.content]));
const contentOf = (id: string) => contents.get(id);
const judgments = new Map<string, Judgment[]>(queries.map((q) => [q.id, locate(q.relevant, contentOf)]));
const typeOf = new Map(corpus.map((d) => [d.id, d.metadata.type]));

const asInput = (d: CorpusDocument): DocumentInput => ({
  id: d.id,
  source: d.source,
  format: d.format,
  content: d.content,
  metadata: { ...d.metadata, language: d.language },
});

function startServer(dataDir: string, port: number): ChildProcess {
  return spawn(process.execPath, ['bin/actl', 'up', '--port', String(port), '--data-dir', dataDir], {
    cwd: root,
    env: {
      ...process.env,
      AGENTICAI_LOG_LEVEL: 'error',
      AGENTICAI_BOOTSTRAP_ADMIN_KEY: BENCH_KEY,
      AGENTICAI_SANDBOX_DRIVER: 'none',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 10 s. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** One batch; a 413 (body over the limit) splits it in two and tries again. Returns [chunks, requests]. */
async function ingestBatch(
  client: KnowledgeClient,
  base: string,
  batch: DocumentInput[],
): Promise<[number, number]> {
  try {
    return [(await client.ingest(base, batch)).chunks, 1];
  } catch (error) {
    if (!(error instanceof KnowledgeApiError && error.status === 413 && batch.length > 1)) throw error;
    const middle = Math.ceil(batch.length / 2);
    const [a, b] = [
      await ingestBatch(client, base, batch.slice(0, middle)),
      await ingestBatch(client, base, batch.slice(middle)),
    ];
    return [a[0] + b[0], a[1] + b[1]];
  }
}

/** Ingests batches one after another until `batches` runs dry or `untilChunks` chunks went in. */
async function ingest(
  client: KnowledgeClient,
  base: string,
  batches: () => DocumentInput[] | undefined,
  untilChunks = Number.POSITIVE_INFINITY,
): Promise<IngestionResult> {
  const started = performance.now();
  const result: IngestionResult = { base, documents: 0, chunks: 0, seconds: 0, batches: 0 };
  for (let batch = batches(); batch && result.chunks < untilChunks; batch = batches()) {
    const [chunks, requests] = await ingestBatch(client, base, batch);
    result.documents += batch.length;
    result.chunks += chunks;
    result.batches += requests;
    if (Number.isFinite(untilChunks) && result.batches % 10 === 0)
      console.error(
        `  ${base}: ${result.chunks} / ${untilChunks} chunks, ${(result.chunks / ((performance.now() - started) / 1000)).toFixed(0)} chunks/s`,
      );
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** Chunks of a base that already holds some (kept from an earlier run); null when it must be built. */
async function reused(client: KnowledgeClient, base: string): Promise<number | null> {
  try {
    const counts = await client.counts(base);
    return counts && counts.chunks > 0 ? counts.chunks : null;
  } catch (error) {
    if (error instanceof KnowledgeApiError && error.status === 404) return null;
    throw error;
  }
}

function inBatches<T>(items: readonly T[], size: number): () => T[] | undefined {
  let at = 0;
  return () => {
    if (at >= items.length) return undefined;
    at += size;
    return items.slice(at - size, at);
  };
}

async function quality(client: KnowledgeClient, base: string): Promise<QualityResult[]> {
  const results: QualityResult[] = [];
  for (const configuration of CONFIGURATIONS) {
    const scores: Array<{ query: EvalQuery; score: QueryScore }> = [];
    const took: number[] = [];
    for (const query of queries) {
      const response = await client.search(base, {
        query: query.query,
        top_k: TOP_K,
        mode: configuration.mode,
        rerank: configuration.rerank,
      });
      if (response.tookMs !== undefined) took.push(response.tookMs);
      const score = scoreQuery(response.results, judgments.get(query.id) ?? [], {
        k: 5,
        depth: TOP_K,
        contentOf,
      });
      scores.push({ query, score });
    }
    const of = (keep: (q: EvalQuery) => boolean) =>
      mean(scores.filter((s) => keep(s.query)).map((s) => s.score));
    const slices: Record<string, MeanScore> = {};
    for (const slice of ['en', 'zh']) slices[slice] = of((q) => q.language === slice);
    for (const slice of ['identifier', 'keyword', 'paraphrase']) slices[slice] = of((q) => q.kind === slice);
    for (const slice of ['sop', 'incident', 'policy'])
      slices[slice] = of((q) => typeOf.get(q.relevant[0]?.document ?? '') === slice);
    results.push({
      label: configuration.label,
      base,
      overall: of(() => true),
      slices,
      judgedBy: {
        offsets: scores.reduce((n, s) => n + s.score.rules.offsets, 0),
        text: scores.reduce((n, s) => n + s.score.rules.text, 0),
      },
      serverTookMs: summarizeLatency(took),
    });
  }
  return results;
}

/** `texts.length` searches, `concurrency` in flight; client-measured milliseconds and the server's tookMs. */
async function timeSearches(
  client: KnowledgeClient,
  base: string,
  mode: SearchMode,
  rerank: boolean,
  texts: string[],
  concurrency: number,
) {
  const durations: number[] = [];
  const took: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < texts.length) {
      const query = texts[next] as string;
      next += 1;
      const started = performance.now();
      const response = await client.search(base, { query, top_k: TOP_K, mode, rerank });
      durations.push(performance.now() - started);
      if (response.tookMs !== undefined) took.push(response.tookMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { client: summarizeLatency(durations), server: summarizeLatency(took) };
}

const abort = new AbortController();
// Every fetch adds an abort listener to this one signal (freed only when the request is collected).
setMaxListeners(0, abort.signal);
const dataDir = KEPT_DATA_DIR || mkdtempSync(join(tmpdir(), 'bench-knowledge-'));
if (KEPT_DATA_DIR) mkdirSync(KEPT_DATA_DIR, { recursive: true });
const port = EXTERNAL_URL ? 0 : await freePort();
const server = EXTERNAL_URL ? undefined : startServer(dataDir, port);
const url = EXTERNAL_URL || `http://127.0.0.1:${port}`;
const store = EXTERNAL_URL ? `the server at ${EXTERNAL_URL}` : 'PGlite (actl up)';
process.once('SIGINT', () => abort.abort());

try {
  await Promise.race([
    ready(url),
    new Promise((_, reject) =>
      server?.once('exit', (code) => reject(new Error(`actl up exited (${code}) before it was ready`))),
    ),
  ]);
  const client = new KnowledgeClient(url, abort.signal);
  console.log(`\nKnowledge retrieval on ${store}, chunking ${STRATEGY} 800 / 120, hashing embedder`);
  console.log(
    `corpus: ${corpus.length} documents, ${queries.length} queries; ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, Node ${process.version}\n`,
  );

  const ingestion: IngestionResult[] = [];
  let evalChunks = await reused(client, 'eval');
  if (evalChunks === null) {
    await client.createBase('eval', STRATEGY);
    ingestion.push(await ingest(client, 'eval', inBatches(corpus.map(asInput), CORPUS_BATCH)));
    evalChunks = ingestion[0]?.chunks ?? 0;
  } else console.log(`Reusing base "eval" (${evalChunks} chunks) from ${dataDir}\n`);
  const evalQuality = await quality(client, 'eval');
  console.log(`Retrieval quality, base "eval" (top ${TOP_K}; recall@5)\n`);
  console.log(qualityTable(evalQuality, 'recall', SLICES));
  console.log(`\nMRR@10\n`);
  console.log(qualityTable(evalQuality, 'mrr', SLICES));
  const judged = evalQuality.reduce(
    (sum, r) => ({ offsets: sum.offsets + r.judgedBy.offsets, text: sum.text + r.judgedBy.text }),
    { offsets: 0, text: 0 },
  );
  console.log(
    `\nHits judged by offsets: ${judged.offsets}; by text (no offsets, or offsets that do not fit the submitted content): ${judged.text}`,
  );

  let scaleQuality: QualityResult[] = [];
  const latency: LatencyResult[] = [];
  if (TARGET_CHUNKS > 0) {
    let scaleChunks = await reused(client, 'scale');
    if (scaleChunks === null) {
      await client.createBase('scale', STRATEGY);
      const scaleCorpus = await ingest(client, 'scale', inBatches(corpus.map(asInput), CORPUS_BATCH));
      const filler = new FillerGenerator(corpus);
      let index = 0;
      const fillerIngestion = await ingest(
        client,
        'scale',
        () => Array.from({ length: FILLER_BATCH }, () => filler.document(index++)),
        TARGET_CHUNKS - scaleCorpus.chunks,
      );
      ingestion.push(
        { ...scaleCorpus, base: 'scale (corpus)' },
        { ...fillerIngestion, base: 'scale (filler)' },
      );
      scaleChunks = scaleCorpus.chunks + fillerIngestion.chunks;
    } else console.log(`Reusing base "scale" (${scaleChunks} chunks) from ${dataDir}\n`);
    const counts = await client.counts('scale').catch(() => null);
    console.log(
      `\nIngestion${counts ? ` (base "scale" reports ${counts.documents} documents, ${counts.chunks} chunks)` : ''}\n`,
    );
    console.log(ingestion.length > 0 ? ingestionTable(ingestion) : '(none: both bases reused)');

    // The quality pass over "scale" doubles as its warm-up.
    scaleQuality = await quality(client, 'scale');
    console.log(
      `\nQuality with ${scaleChunks} chunks (informational: the filler reuses corpus sentences with other numbers, so some of it reads like a stale copy of an answer)\n`,
    );
    console.log(scaleQualityTable(evalQuality, scaleQuality));

    const texts = Array.from(
      { length: Math.max(SEARCHES, queries.length) },
      (_, i) => queries[i % queries.length]?.query ?? '',
    );
    for (const configuration of CONFIGURATIONS)
      for (const concurrency of [1, CONCURRENCY]) {
        const small = await timeSearches(
          client,
          'eval',
          configuration.mode,
          configuration.rerank,
          texts,
          concurrency,
        );
        const large = await timeSearches(
          client,
          'scale',
          configuration.mode,
          configuration.rerank,
          texts,
          concurrency,
        );
        latency.push({
          label: configuration.label,
          concurrency,
          eval: small.client,
          scale: large.client,
          scaleServerTookMs: large.server,
        });
      }
    console.log(
      `\nSearch latency, ms (client-measured, ${texts.length} searches per cell; eval = ${evalChunks} chunks, scale = ${scaleChunks} chunks)\n`,
    );
    console.log(latencyTable(latency, TARGET_P95_MS));
  } else {
    console.log(`\nIngestion\n`);
    console.log(ingestionTable(ingestion));
  }

  const summary = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? null, node: process.version },
    setup: {
      store,
      strategy: STRATEGY,
      size: 800,
      overlap: 120,
      embedder: 'hashing',
      topK: TOP_K,
    },
    corpus: { documents: corpus.length, queries: queries.length },
    ingestion: ingestion.map((r) => ({
      ...r,
      documentsPerSecond: r.documents / r.seconds,
      chunksPerSecond: r.chunks / r.seconds,
    })),
    quality: evalQuality,
    qualityAtScale: scaleQuality,
    latency,
    targetP95Ms: TARGET_P95_MS,
  };
  writeFileSync(new URL('knowledge/results.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
  console.log('\nWrote bench/knowledge/results.json');
} finally {
  if (server) await stopServer(server);
  if (!KEPT_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
}
