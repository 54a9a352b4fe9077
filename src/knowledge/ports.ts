import type { DocumentOutcome, IngestJob, JobStatus, SearchFilters } from '../contracts/index.ts';

/** Who is reading: documents outside their groups or above their clearance do not exist for them. */
export interface Viewer {
  groups: readonly string[];
  /** 1 public, 2 internal, 3 confidential. */
  clearance: number;
}

export interface StoredDocument {
  id: string;
  kbId: string;
  /** The caller's id for the document, unique in its base. */
  key: string;
  source: string | null;
  format: string;
  title: string | null;
  contentHash: string;
  metadata: Record<string, unknown>;
  accessGroup: string;
  sensitivity: number;
  chunkCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export type DocumentWrite = Omit<StoredDocument, 'id' | 'kbId' | 'chunkCount' | 'createdAt' | 'updatedAt'>;

export interface ChunkDraft {
  ord: number;
  text: string;
  heading: string | null;
  start: number;
  end: number;
  /** The segmenter's tokens, space-joined: the full-text index's input. */
  tokens: string;
  embedding: number[];
}

export interface ChunkHit {
  chunkId: string;
  documentKey: string;
  source: string | null;
  title: string | null;
  heading: string | null;
  text: string;
  /** The segmenter's tokens of heading and text, space-joined (for re-scoring). */
  tokens: string;
  start: number;
  end: number;
  score: number;
  metadata: Record<string, unknown>;
  accessGroup: string;
  sensitivity: number;
}

/** One scan of a base: the viewer's access is a predicate of the scan, before the limit. */
export interface ScanQuery {
  kbId: string;
  viewer: Viewer;
  filters: SearchFilters | undefined;
  limit: number;
}

/**
 * Documents and chunks of knowledge bases, each call one tenant transaction. Throws only for a
 * database fault.
 */
export interface KnowledgeStore {
  /** `hnsw` where pgvector exists; `exact` otherwise (dense search scans every chunk). */
  denseIndex(signal?: AbortSignal): Promise<'hnsw' | 'exact'>;
  findDocument(
    tenantId: string,
    kbId: string,
    key: string,
    signal?: AbortSignal,
  ): Promise<StoredDocument | null>;
  /**
   * Creates the document or replaces it and all its chunks, in one transaction: a reader sees the
   * old chunks or the new ones, never a mix.
   */
  putDocument(
    tenantId: string,
    kbId: string,
    document: DocumentWrite,
    chunks: readonly ChunkDraft[],
    signal?: AbortSignal,
  ): Promise<StoredDocument>;
  /** Changes metadata and access of a document and its chunks, keeping the chunks. */
  updateDocumentAccess(
    tenantId: string,
    documentId: string,
    changes: Pick<DocumentWrite, 'metadata' | 'accessGroup' | 'sensitivity' | 'source'>,
    signal?: AbortSignal,
  ): Promise<void>;
  /** False when there was none. */
  deleteDocument(tenantId: string, kbId: string, key: string, signal?: AbortSignal): Promise<boolean>;
  /** Documents the viewer may read, by key. */
  listDocuments(
    tenantId: string,
    kbId: string,
    viewer: Viewer,
    page: { limit: number; after?: string | undefined },
    signal?: AbortSignal,
  ): Promise<StoredDocument[]>;
  stats(tenantId: string, kbId: string, signal?: AbortSignal): Promise<{ documents: number; chunks: number }>;
  /** Nearest chunks by cosine similarity (score: similarity). */
  denseSearch(
    tenantId: string,
    query: ScanQuery,
    embedding: readonly number[],
    signal?: AbortSignal,
  ): Promise<ChunkHit[]>;
  /** Full-text matches of any of the tokens, by rank (score: ts_rank_cd). */
  sparseSearch(
    tenantId: string,
    query: ScanQuery,
    tokens: readonly string[],
    signal?: AbortSignal,
  ): Promise<ChunkHit[]>;
  /** Every base of every tenant that sets `retention` (a platform-level read, for the sweep). */
  basesWithRetention(signal?: AbortSignal): Promise<{ tenantId: string; kbId: string; retention: string }[]>;
  /** Deletes documents not updated since `before`; returns how many. */
  deleteStale(tenantId: string, kbId: string, before: Date, signal?: AbortSignal): Promise<number>;
}

/** A document as a job carries it: bytes as text or base64, and what it was uploaded with. */
export interface QueuedDocument {
  key: string;
  source: string | null;
  format: string;
  content?: string | undefined;
  contentBase64?: string | undefined;
  metadata: Record<string, unknown>;
  accessGroup: string;
  sensitivity: number;
}

export interface JobDocumentOutcome {
  id: string;
  source: string | null;
  status: DocumentOutcome;
  chunks: number;
  error?: string | undefined;
}

export interface JobRecord {
  id: string;
  tenantId: string;
  kbId: string;
  kbName: string;
  status: JobStatus;
  attempts: number;
  outcome: JobDocumentOutcome[];
  chunks: number;
  error: string | null;
  createdBy: string;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface ClaimedJob extends JobRecord {
  payload: QueuedDocument[];
}

/**
 * Durable ingestion jobs. A claim leases a due job to one worker; a worker that dies leaves a
 * lease that expires, and another worker takes the job up (documents already in are unchanged
 * on the second pass, by content hash).
 */
export interface IngestJobStore {
  create(
    tenantId: string,
    job: {
      id: string;
      kbId: string;
      payload: QueuedDocument[];
      outcome: JobDocumentOutcome[];
      createdBy: string;
    },
    signal?: AbortSignal,
  ): Promise<void>;
  get(tenantId: string, kbId: string, jobId: string, signal?: AbortSignal): Promise<JobRecord | null>;
  list(
    tenantId: string,
    kbId: string,
    page: { limit: number; before?: string | undefined },
    signal?: AbortSignal,
  ): Promise<JobRecord[]>;
  /** Leases the oldest due job of any tenant to `owner`, counting an attempt; null when none is due. */
  claim(owner: string, leaseMs: number, signal?: AbortSignal): Promise<ClaimedJob | null>;
  /** Records progress and extends the lease; false when the lease was lost (stop working). */
  progress(job: ClaimedJob, owner: string, leaseMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Ends the job and drops its payload. */
  finish(job: ClaimedJob, owner: string, status: JobStatus, error: string | null): Promise<void>;
  /** Gives the job back to run again at `wakeAt` (a transient failure). */
  retryAt(job: ClaimedJob, owner: string, wakeAt: Date, error: string): Promise<void>;
}

/** What lineage keeps of a retrieved chunk. */
export type RetrievedChunk = Pick<ChunkHit, 'chunkId' | 'documentKey' | 'source' | 'score' | 'sensitivity'>;

/** Where a run's retrieved chunks are written and read back. */
export interface LineageStore {
  record(
    tenantId: string,
    runId: string,
    stepKey: string | null,
    kbName: string,
    hits: readonly RetrievedChunk[],
    signal?: AbortSignal,
  ): Promise<void>;
  /** The highest sensitivity among the chunks a run retrieved: 1 when none. */
  maxSensitivity(tenantId: string, runId: string, signal?: AbortSignal): Promise<number>;
  read(
    tenantId: string,
    runId: string,
    signal?: AbortSignal,
  ): Promise<{
    chunks: {
      chunkId: string;
      documentKey: string;
      kbName: string;
      source: string | null;
      score: number;
      stepKey: string | null;
      createdAt: Date;
    }[];
    answer: string | null;
  } | null>;
}

/** A cross-encoder through the gateway (`spec.rerank.model`): one relevance score per document, in order. */
export interface RerankClient {
  rerank(
    tenantId: string,
    model: string,
    query: string,
    documents: readonly string[],
    signal: AbortSignal,
  ): Promise<number[]>;
}

/** Embeddings from a model through the gateway, for bases with `embedder.type: gateway`. */
export interface EmbeddingClient {
  embed(tenantId: string, model: string, inputs: readonly string[], signal: AbortSignal): Promise<number[][]>;
}

export type { IngestJob };
