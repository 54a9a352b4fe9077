import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb columns are written as JSON text and come back parsed; readers validate them (STYLE 9). */
type Json = ColumnType<unknown, string, string>;

export interface KnowledgeDocumentsTable {
  id: string;
  tenant_id: string;
  kb_id: string;
  /** The caller's document id (unique in its base); `id` is ours. */
  doc_key: string;
  source: string | null;
  format: string;
  title: string | null;
  content_hash: string;
  metadata: Json;
  access_group: string;
  sensitivity: number;
  chunk_count: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface KnowledgeChunksTable {
  id: string;
  tenant_id: string;
  kb_id: string;
  document_id: string;
  ord: number;
  text: string;
  heading: string | null;
  start_offset: number;
  end_offset: number;
  /** The segmenter's tokens joined by spaces; `tsv` is generated from them. */
  tokens: string;
  tsv: ColumnType<string, never, never>;
  dims: number;
  /** pgvector text (`[0.1,…]`) where the extension exists, else `real[]`. */
  embedding: ColumnType<unknown, string | number[], string | number[]>;
  access_group: string;
  sensitivity: number;
}

export interface KnowledgeJobsTable {
  id: string;
  tenant_id: string;
  kb_id: string;
  status: string;
  attempts: Generated<number>;
  payload: Json;
  outcome: Json;
  chunks: Generated<number>;
  error: string | null;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: NullableTimestamp;
  wake_at: Timestamp;
  lease_owner: string | null;
  lease_expires_at: NullableTimestamp;
}

/** Per base: how many chunks hold each term; the empty term counts the base's chunks (triggers keep it). */
export interface KnowledgeTermsTable {
  tenant_id: string;
  kb_id: string;
  term: string;
  chunks: number;
}

export interface RunLineageTable {
  id: string;
  tenant_id: string;
  run_id: string;
  seq: number;
  step_key: string | null;
  kb_name: string;
  chunk_id: string;
  document_key: string;
  source: string | null;
  score: number;
  sensitivity: number;
  created_at: Timestamp;
}
