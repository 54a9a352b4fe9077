import {
  DOCUMENT_ID_PATTERN,
  type DocumentInput,
  type IngestJob,
  type KnowledgeBase,
  type KnowledgeDocument,
  type RunLineage,
  type SearchHit,
  type SearchRequest,
  type SearchResponse,
  TOP_K_MAX,
} from '../contracts/index.ts';
import {
  AppError,
  decodeCursor,
  encodeCursor,
  IdCursorSchema,
  type IdGenerator,
  NameCursorSchema,
  notFound,
} from '../core/index.ts';
import { embedderFor } from './embedders.ts';
import { bytesOf, hashOf, resolveFormat } from './ingest.ts';
import type { IngestWorker } from './ingest-worker.ts';
import type {
  EmbeddingClient,
  IngestJobStore,
  JobRecord,
  KnowledgeStore,
  LineageStore,
  QueuedDocument,
  RerankClient,
  ScanQuery,
  StoredDocument,
  Viewer,
} from './ports.ts';
import { type FusedHit, fuseByRank, lexicalRescore, queryTerms } from './retrieval.ts';
import { segmentWords } from './segment.ts';

/** Knowledge bases by name (the registry's service): throws NOT_FOUND for an unknown one. */
export interface KnowledgeBaseDirectory {
  get(tenantId: string, name: string, signal?: AbortSignal): Promise<KnowledgeBase>;
}

export interface KnowledgeServiceDeps {
  bases: KnowledgeBaseDirectory;
  store: KnowledgeStore;
  jobs: IngestJobStore;
  lineage: LineageStore;
  ids: IdGenerator;
  embeddings?: EmbeddingClient | undefined;
  reranker?: RerankClient | undefined;
  /** Told when the cross-encoder fails and the lexical re-scorer stands in. */
  onRerankError?: ((error: unknown) => void) | undefined;
  /** Told when a job is queued, so this process's worker starts it at once. */
  worker?: Pick<IngestWorker, 'kick'> | undefined;
}

/** Candidates each list contributes before fusion and re-ranking. */
const CANDIDATES = 50;
const WAIT_LIMIT_MS = 60_000;
const CITATION = /\[chunk:([A-Za-z0-9-]+)\]/g;

const iso = (date: Date) => date.toISOString();

function toJob(job: JobRecord): IngestJob {
  return {
    id: job.id,
    knowledgeBase: job.kbName,
    status: job.status,
    attempts: job.attempts,
    documents: job.outcome.map((outcome) => ({
      id: outcome.id,
      source: outcome.source,
      status: outcome.status,
      chunks: outcome.chunks,
      ...(outcome.error ? { error: outcome.error } : {}),
    })),
    chunks: job.chunks,
    ...(job.error ? { error: job.error } : {}),
    createdAt: iso(job.createdAt),
    finishedAt: job.finishedAt ? iso(job.finishedAt) : null,
  };
}

function toDocument(document: StoredDocument): KnowledgeDocument {
  return {
    id: document.key,
    source: document.source,
    format: document.format as KnowledgeDocument['format'],
    title: document.title,
    contentHash: document.contentHash,
    chunks: document.chunkCount,
    metadata: document.metadata,
    access_group: document.accessGroup,
    sensitivity_level: document.sensitivity,
    createdAt: iso(document.createdAt),
    updatedAt: iso(document.updatedAt),
  };
}

/** Where a field of the ingest request sits, for a 400 that points at it. */
const invalidDocument = (index: number, field: string, detail: string) =>
  new AppError('INVALID_REQUEST', `documents[${index}]: ${detail}`, {
    fieldErrors: [{ pointer: `/documents/${index}${field ? `/${field}` : ''}`, detail }],
  });

/**
 * Knowledge: ingestion as durable jobs, hybrid search under the caller's access, and the lineage
 * of what runs retrieved.
 */
export class KnowledgeService {
  constructor(private readonly deps: KnowledgeServiceDeps) {}

  /**
   * Queues the documents as one job and returns it. Throws INVALID_REQUEST (naming the document)
   * for an empty one or an id given twice; the job does the rest, each document on its own.
   */
  async ingest(
    tenantId: string,
    principal: string,
    name: string,
    documents: readonly DocumentInput[],
    signal?: AbortSignal,
  ): Promise<IngestJob> {
    const base = await this.deps.bases.get(tenantId, name, signal);
    const seen = new Map<string, number>();
    const payload = documents.map((document, index): QueuedDocument => {
      const bytes = bytesOf({ content: document.content, contentBase64: document.content_base64 });
      if (bytes.length === 0) throw invalidDocument(index, 'content', 'the document is empty');
      const source = document.source ?? null;
      const key =
        document.id ??
        (source && DOCUMENT_ID_PATTERN.test(source) ? source : `sha256:${hashOf(bytes).slice(0, 32)}`);
      const earlier = seen.get(key);
      if (earlier !== undefined)
        throw invalidDocument(
          index,
          'id',
          `the id "${key}" is also documents[${earlier}]'s; each document once per request`,
        );
      seen.set(key, index);
      return {
        key,
        source,
        format: resolveFormat(document.format, source),
        ...(document.content !== undefined
          ? { content: document.content }
          : { contentBase64: document.content_base64 }),
        metadata: document.metadata ?? {},
        accessGroup: document.access_group ?? base.spec.access_group,
        sensitivity: document.sensitivity_level ?? base.spec.sensitivity_level,
      };
    });
    const id = this.deps.ids.next();
    const outcome = payload.map((document) => ({
      id: document.key,
      source: document.source,
      status: 'pending' as const,
      chunks: 0,
    }));
    await this.deps.jobs.create(
      tenantId,
      { id, kbId: base.metadata.uid, payload, outcome, createdBy: principal },
      signal,
    );
    this.deps.worker?.kick();
    return this.job(tenantId, name, id, signal);
  }

  async job(tenantId: string, name: string, jobId: string, signal?: AbortSignal): Promise<IngestJob> {
    const base = await this.deps.bases.get(tenantId, name, signal);
    const job = await this.deps.jobs.get(tenantId, base.metadata.uid, jobId, signal);
    if (!job) throw notFound('ingest job', jobId);
    return toJob(job);
  }

  /** The job once it has finished, or as it stands after a minute (or when `signal` aborts). */
  async waitForJob(tenantId: string, name: string, jobId: string, signal: AbortSignal): Promise<IngestJob> {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    let job = await this.job(tenantId, name, jobId, signal);
    for (let pause = 20; (job.status === 'queued' || job.status === 'running') && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      if (signal.aborted) break;
      pause = Math.min(pause * 2, 250);
      job = await this.job(tenantId, name, jobId, signal);
    }
    return job;
  }

  async jobs(
    tenantId: string,
    name: string,
    page: { limit: number; cursor?: string | undefined },
    signal?: AbortSignal,
  ) {
    const base = await this.deps.bases.get(tenantId, name, signal);
    const before = decodeCursor(page.cursor, IdCursorSchema)?.id;
    const rows = await this.deps.jobs.list(
      tenantId,
      base.metadata.uid,
      { limit: page.limit + 1, before },
      signal,
    );
    const items = rows.slice(0, page.limit).map(toJob);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor({ id: last.id }) : null };
  }

  async documents(
    tenantId: string,
    viewer: Viewer,
    name: string,
    page: { limit: number; cursor?: string | undefined },
    signal?: AbortSignal,
  ) {
    const base = await this.deps.bases.get(tenantId, name, signal);
    const after = decodeCursor(page.cursor, NameCursorSchema)?.name;
    const rows = await this.deps.store.listDocuments(
      tenantId,
      base.metadata.uid,
      viewer,
      { limit: page.limit + 1, after },
      signal,
    );
    const items = rows.slice(0, page.limit).map(toDocument);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor({ name: last.id }) : null };
  }

  async deleteDocument(tenantId: string, name: string, key: string, signal?: AbortSignal): Promise<void> {
    const base = await this.deps.bases.get(tenantId, name, signal);
    if (!(await this.deps.store.deleteDocument(tenantId, base.metadata.uid, key, signal)))
      throw notFound('document', key);
  }

  async stats(tenantId: string, base: KnowledgeBase, signal?: AbortSignal) {
    return this.deps.store.stats(tenantId, base.metadata.uid, signal);
  }

  /**
   * Hybrid search: dense and full-text candidates, each scanned under the viewer's access, fused
   * by reciprocal rank and re-ranked. Throws NOT_FOUND for an unknown base.
   */
  async search(
    tenantId: string,
    viewer: Viewer,
    name: string,
    request: SearchRequest,
    signal: AbortSignal,
  ): Promise<SearchResponse> {
    const started = performance.now();
    const base = await this.deps.bases.get(tenantId, name, signal);
    const topK = Math.min(request.top_k, TOP_K_MAX);
    const tokens = segmentWords(request.query);
    const terms = queryTerms(tokens);
    const widen = request.mode === 'hybrid' || request.rerank;
    const scan: ScanQuery = {
      kbId: base.metadata.uid,
      viewer,
      filters: request.filters,
      limit: widen ? Math.max(CANDIDATES, topK * 2) : topK,
    };
    const dense =
      request.mode === 'sparse'
        ? Promise.resolve([])
        : embedderFor(
            base.spec.embedder,
            tenantId,
            this.deps.embeddings,
          )([request.query], signal).then(([vector]) =>
            vector?.some((value) => value !== 0)
              ? this.deps.store.denseSearch(tenantId, scan, vector, signal)
              : [],
          );
    const sparse =
      request.mode === 'dense'
        ? Promise.resolve([])
        : this.deps.store.sparseSearch(tenantId, scan, terms, signal);
    let hits: FusedHit[] = fuseByRank(await dense, await sparse);
    let reranker: SearchResponse['reranker'] = 'none';
    if (request.rerank && hits.length > 0) {
      const model = base.spec.rerank?.model;
      const crossEncoded = model
        ? await this.#crossEncode(tenantId, model, request.query, hits, signal)
        : null;
      if (crossEncoded) {
        hits = crossEncoded;
        reranker = 'cross-encoder';
      } else {
        hits = lexicalRescore(terms, tokens, hits, (hit) => hit.tokens.split(' '));
        reranker = 'lexical';
      }
    }
    return {
      results: hits.slice(0, topK).map((entry) => this.#toHit(entry, request.mode)),
      mode: request.mode,
      reranker,
      denseIndex: await this.deps.store.denseIndex(signal),
      tookMs: Math.round((performance.now() - started) * 100) / 100,
    };
  }

  /** Records what a run retrieved (its lineage). */
  recordLineage(
    tenantId: string,
    runId: string,
    stepKey: string | null,
    kbName: string,
    hits: readonly SearchHit[],
    signal?: AbortSignal,
  ) {
    return this.deps.lineage.record(
      tenantId,
      runId,
      stepKey,
      kbName,
      hits.map((hit) => ({
        chunkId: hit.chunkId,
        documentKey: hit.documentId,
        source: hit.source,
        score: hit.score,
        sensitivity: hit.sensitivity_level,
      })),
      signal,
    );
  }

  /** The chunks a run retrieved and which of them its answer cites (`[chunk:ID]`). */
  async lineage(tenantId: string, runId: string, signal?: AbortSignal): Promise<RunLineage> {
    const found = await this.deps.lineage.read(tenantId, runId, signal);
    if (!found) throw notFound('run', runId);
    const citations = [
      ...new Set([...(found.answer ?? '').matchAll(CITATION)].map((match) => match[1] ?? '')),
    ].filter((id) => found.chunks.some((chunk) => chunk.chunkId === id));
    return {
      runId,
      chunks: found.chunks.map((chunk) => ({
        chunkId: chunk.chunkId,
        documentId: chunk.documentKey,
        knowledgeBase: chunk.kbName,
        source: chunk.source,
        score: chunk.score,
        stepKey: chunk.stepKey,
        retrievedAt: iso(chunk.createdAt),
        cited: citations.includes(chunk.chunkId),
      })),
      citations,
    };
  }

  /** The candidates in the cross-encoder's order; null when there is none or it failed. */
  async #crossEncode(
    tenantId: string,
    model: string,
    query: string,
    hits: FusedHit[],
    signal: AbortSignal,
  ): Promise<FusedHit[] | null> {
    if (!this.deps.reranker) return null;
    try {
      const texts = hits.map(({ hit }) => (hit.heading ? `${hit.heading}\n${hit.text}` : hit.text));
      const scores = await this.deps.reranker.rerank(tenantId, model, query, texts, signal);
      if (scores.length !== hits.length)
        throw new Error(`the reranker scored ${scores.length} of ${hits.length} passages`);
      hits.forEach((entry, index) => {
        entry.rerank = scores[index] ?? null;
      });
      return [...hits].sort((a, b) => (b.rerank ?? 0) - (a.rerank ?? 0) || b.fused - a.fused);
    } catch (error) {
      if (signal.aborted) throw error;
      this.deps.onRerankError?.(error);
      return null;
    }
  }

  #toHit(entry: FusedHit, mode: SearchRequest['mode']): SearchHit {
    const { hit } = entry;
    const score = entry.rerank ?? (mode === 'hybrid' ? entry.fused : (entry.dense ?? entry.sparse ?? 0));
    return {
      chunkId: hit.chunkId,
      documentId: hit.documentKey,
      source: hit.source,
      title: hit.title,
      heading: hit.heading,
      text: hit.text,
      start: hit.start,
      end: hit.end,
      score,
      scores: { dense: entry.dense, sparse: entry.sparse, fused: entry.fused, rerank: entry.rerank },
      metadata: hit.metadata,
      access_group: hit.accessGroup,
      sensitivity_level: hit.sensitivity,
    };
  }
}
