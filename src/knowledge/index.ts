export { IngestWorker, type IngestWorkerDeps, MAX_ATTEMPTS } from './ingest-worker.ts';
export {
  type KnowledgeBaseDirectory,
  KnowledgeService,
  type KnowledgeServiceDeps,
} from './knowledge-service.ts';
export { knowledgeSearchTool, type ViewerOf } from './knowledge-tool.ts';
export type {
  ChunkDraft,
  ChunkHit,
  ClaimedJob,
  DocumentWrite,
  EmbeddingClient,
  IngestJobStore,
  JobDocumentOutcome,
  JobRecord,
  KnowledgeStore,
  LineageStore,
  QueuedDocument,
  RerankClient,
  RetrievedChunk,
  ScanQuery,
  StoredDocument,
  Viewer,
} from './ports.ts';
export { retrievingTerms, type TermStatistics } from './retrieval.ts';
