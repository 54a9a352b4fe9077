import { z } from 'zod';
import {
  API_VERSION,
  DurationSchema,
  ManifestMetaSchema,
  ObjectMetaSchema,
  TimestampSchema,
} from './common.ts';

export const CHUNK_STRATEGIES = ['recursive', 'markdown-headings', 'sentence'] as const;
export type ChunkStrategy = (typeof CHUNK_STRATEGIES)[number];

export const DOCUMENT_FORMATS = ['markdown', 'text', 'html', 'json', 'jsonl', 'pdf'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** 1 public, 2 internal, 3 confidential: a document's level, a principal's clearance. */
export const SensitivityLevelSchema = z
  .number()
  .int()
  .min(1, 'a sensitivity level is 1 (public), 2 (internal) or 3 (confidential)')
  .max(3, 'a sensitivity level is 1 (public), 2 (internal) or 3 (confidential)');

/** The group every principal is in: documents in it are limited by sensitivity only. */
export const EVERYONE_GROUP = 'everyone';

export const AccessGroupSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'an access group is lowercase letters, digits, ., _ or -')
  .describe(
    `A principal group whose members may read the document; \`${EVERYONE_GROUP}\` is every principal`,
  );

export const KNOWLEDGE_EMBEDDER_TYPES = ['hashing', 'gateway'] as const;

export const KnowledgeEmbedderSchema = z
  .discriminatedUnion('type', [
    z
      .strictObject({ type: z.literal('hashing') })
      .describe(
        'The built-in offline embedder: feature hashing of words and character n-grams (lexical, not semantic)',
      ),
    z
      .strictObject({
        type: z.literal('gateway'),
        model: z
          .string()
          .min(1)
          .max(256)
          .describe("A model (or alias) served by the gateway's /v1/embeddings"),
      })
      .describe('Embeddings from a model through the gateway: dense retrieval becomes semantic'),
  ])
  .describe('How chunks and queries become vectors; fixed once documents exist');
export type KnowledgeEmbedder = z.infer<typeof KnowledgeEmbedderSchema>;

export const ChunkingSchema = z
  .strictObject({
    strategy: z.enum(CHUNK_STRATEGIES).default('recursive'),
    size: z.number().int().min(100).max(20_000).default(1000).describe('Characters per chunk at most'),
    overlap: z
      .number()
      .int()
      .min(0)
      .max(5_000)
      .default(150)
      .describe('Characters a chunk repeats of the last'),
  })
  .refine((c) => c.overlap < c.size, { message: 'overlap must be smaller than size', path: ['overlap'] });

export const KnowledgeBaseSpecSchema = z
  .strictObject({
    description: z.string().max(2000).optional(),
    embedder: KnowledgeEmbedderSchema.default({ type: 'hashing' }),
    chunking: ChunkingSchema.default({ strategy: 'recursive', size: 1000, overlap: 150 }),
    access_group: AccessGroupSchema.default(EVERYONE_GROUP).describe(
      'Access group of documents that name none',
    ),
    sensitivity_level: SensitivityLevelSchema.default(2).describe(
      'Sensitivity of documents that name none: 1 public, 2 internal, 3 confidential',
    ),
    rerank: z
      .strictObject({
        model: z.string().min(1).max(256).describe('A cross-encoder served by the gateway at /v1/rerank'),
      })
      .optional()
      .describe('Re-ranking model; without it, a lexical-overlap re-scorer re-ranks'),
    retention: DurationSchema.optional().describe('Documents not changed for this long are deleted'),
  })
  .describe(
    'A collection of documents agents retrieve from, with its chunking, embedder and access defaults',
  );
export type KnowledgeBaseSpec = z.infer<typeof KnowledgeBaseSpecSchema>;

export const KnowledgeBaseManifestSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('KnowledgeBase'),
  metadata: ManifestMetaSchema,
  spec: KnowledgeBaseSpecSchema,
});
export type KnowledgeBaseManifest = z.infer<typeof KnowledgeBaseManifestSchema>;

export const KnowledgeBaseWriteSchema = KnowledgeBaseManifestSchema.extend({
  apiVersion: z.literal(API_VERSION).optional(),
  kind: z.literal('KnowledgeBase').optional(),
});
export type KnowledgeBaseWrite = z.infer<typeof KnowledgeBaseWriteSchema>;

export const KnowledgeBaseSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('KnowledgeBase'),
  metadata: ObjectMetaSchema,
  spec: KnowledgeBaseSpecSchema,
  status: z
    .strictObject({ documents: z.number().int(), chunks: z.number().int() })
    .optional()
    .describe('What the base holds now (on get)'),
});
export type KnowledgeBase = z.infer<typeof KnowledgeBaseSchema>;

/** Characters of one document's content at most (after base64 decoding for binary formats). */
export const DOCUMENT_MAX_BYTES = 20 * 1024 * 1024;
/** Any text without control characters, up to 200 characters, not starting or ending with a space. */
export const DOCUMENT_ID_PATTERN = /^(?!\s)[^\p{Cc}]{1,200}(?<!\s)$/u;

/** File name extensions and the format each means. */
export const DOCUMENT_EXTENSIONS: Readonly<Record<string, DocumentFormat>> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  '.log': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.pdf': 'pdf',
};

export const DocumentInputSchema = z
  .strictObject({
    id: z
      .string()
      .regex(DOCUMENT_ID_PATTERN, 'a document id is 1–200 characters, no control characters, no outer spaces')
      .optional()
      .describe('Stable id; defaults to the source, else a hash of the content'),
    source: z.string().min(1).max(2048).optional().describe('Where the document came from (a URI or path)'),
    format: z.enum(DOCUMENT_FORMATS).optional().describe("Defaults from the source's extension, else text"),
    content: z
      .string()
      .max(DOCUMENT_MAX_BYTES)
      .optional()
      .describe('The text (markdown, text, html, json, jsonl)'),
    content_base64: z
      .string()
      .max(Math.ceil(DOCUMENT_MAX_BYTES / 3) * 4)
      .optional()
      .describe('The bytes, base64 (for PDF)'),
    metadata: z
      .record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean()]))
      .optional(),
    access_group: AccessGroupSchema.optional(),
    sensitivity_level: SensitivityLevelSchema.optional(),
  })
  .refine((d) => (d.content === undefined) !== (d.content_base64 === undefined), {
    message: 'a document has exactly one of content or content_base64',
    path: ['content'],
  });
export type DocumentInput = z.infer<typeof DocumentInputSchema>;

export const IngestRequestSchema = z.strictObject({
  documents: z
    .array(DocumentInputSchema)
    .min(1, 'documents must hold at least one document')
    .max(1000, 'at most 1,000 documents per request'),
});

export const IngestQuerySchema = z.object({
  wait: z
    .enum(['true', 'false'])
    .optional()
    .describe('Answer when the job has finished (up to 60 s; then 202 with the job as it stands)'),
});

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const DOCUMENT_OUTCOMES = ['pending', 'ingested', 'unchanged', 'failed'] as const;
export type DocumentOutcome = (typeof DOCUMENT_OUTCOMES)[number];

export const JobDocumentSchema = z.strictObject({
  id: z.string(),
  source: z.string().nullable(),
  status: z.enum(DOCUMENT_OUTCOMES),
  chunks: z.number().int(),
  error: z.string().optional(),
});

export const IngestJobSchema = z.strictObject({
  id: z.string(),
  knowledgeBase: z.string(),
  status: z.enum(JOB_STATUSES).describe('partial: some documents failed, the others are in'),
  attempts: z.number().int(),
  documents: z.array(JobDocumentSchema),
  chunks: z.number().int().describe('Chunks written by this job'),
  error: z.string().optional(),
  createdAt: TimestampSchema,
  finishedAt: TimestampSchema.nullable(),
});
export type IngestJob = z.infer<typeof IngestJobSchema>;

export const KnowledgeDocumentSchema = z.strictObject({
  id: z.string(),
  source: z.string().nullable(),
  format: z.enum(DOCUMENT_FORMATS),
  title: z.string().nullable(),
  contentHash: z.string().describe('SHA-256 of the bytes: re-ingesting the same bytes changes nothing'),
  chunks: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
  access_group: z.string(),
  sensitivity_level: z.number().int(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type KnowledgeDocument = z.infer<typeof KnowledgeDocumentSchema>;

export const SEARCH_MODES = ['hybrid', 'dense', 'sparse'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];
export const TOP_K_MAX = 100;
export const QUERY_MAX_CHARS = 8192;

export const SearchFiltersSchema = z.strictObject({
  documents: z.array(z.string().max(200)).max(1000).optional().describe('Only these document ids'),
  metadata: z
    .record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean()]))
    .optional()
    .describe('Only documents whose metadata has all these values'),
});
export type SearchFilters = z.infer<typeof SearchFiltersSchema>;

export const SearchRequestSchema = z.strictObject({
  query: z
    .string()
    .trim()
    .min(1, 'query must not be empty')
    .max(QUERY_MAX_CHARS, `query must be at most ${QUERY_MAX_CHARS} characters`),
  top_k: z
    .number()
    .int()
    .min(1, 'top_k must be at least 1')
    .max(TOP_K_MAX, `top_k must be at most ${TOP_K_MAX}`)
    .default(5),
  mode: z.enum(SEARCH_MODES).default('hybrid').describe('dense + sparse fused by reciprocal rank, or one'),
  rerank: z.boolean().default(true).describe('Re-rank the fused candidates (cross-encoder or lexical)'),
  filters: SearchFiltersSchema.optional(),
});
export type SearchRequest = z.infer<typeof SearchRequestSchema>;

export const SearchHitSchema = z.strictObject({
  chunkId: z.string(),
  documentId: z.string(),
  source: z.string().nullable(),
  title: z.string().nullable(),
  heading: z.string().nullable(),
  text: z.string(),
  start: z.number().int().describe("Offset of the chunk in the document's extracted text"),
  end: z.number().int(),
  score: z.number(),
  scores: z.strictObject({
    dense: z.number().nullable().describe('Cosine similarity'),
    sparse: z.number().nullable().describe('Full-text rank'),
    fused: z.number().nullable().describe('Reciprocal rank fusion'),
    rerank: z.number().nullable(),
  }),
  metadata: z.record(z.string(), z.unknown()),
  access_group: z.string(),
  sensitivity_level: z.number().int(),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const SearchResponseSchema = z.strictObject({
  results: z.array(SearchHitSchema),
  mode: z.enum(SEARCH_MODES),
  reranker: z.enum(['none', 'lexical', 'cross-encoder']),
  denseIndex: z
    .enum(['hnsw', 'exact'])
    .describe('exact: this PostgreSQL lacks pgvector, so dense search scans'),
  tookMs: z.number(),
});
export type SearchResponse = z.infer<typeof SearchResponseSchema>;

export const LineageChunkSchema = z.strictObject({
  chunkId: z.string(),
  documentId: z.string(),
  knowledgeBase: z.string(),
  source: z.string().nullable(),
  score: z.number(),
  stepKey: z.string().nullable(),
  retrievedAt: TimestampSchema,
  cited: z.boolean().describe("The run's answer cites this chunk ([chunk:ID])"),
});

export const RunLineageSchema = z.strictObject({
  runId: z.string(),
  chunks: z.array(LineageChunkSchema).describe("Every chunk that entered the run's context, in order"),
  citations: z.array(z.string()).describe('Chunk ids the answer cites, in the order it cites them'),
});
export type RunLineage = z.infer<typeof RunLineageSchema>;
