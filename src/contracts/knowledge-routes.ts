import { z } from 'zod';
import { LabelSelectorQuery } from './agent-routes.ts';
import { NameSchema, PageQuerySchema, pageSchema } from './common.ts';
import {
  AccessGroupSchema,
  IngestJobSchema,
  IngestQuerySchema,
  IngestRequestSchema,
  KnowledgeBaseSchema,
  KnowledgeBaseWriteSchema,
  KnowledgeDocumentSchema,
  RunLineageSchema,
  SearchRequestSchema,
  SearchResponseSchema,
} from './knowledge.ts';
import { defineRoute } from './route.ts';

const NameParams = z.object({ name: NameSchema });
const DocumentParams = z.object({ name: NameSchema, document: z.string().min(1).max(200) });
const JobParams = z.object({ name: NameSchema, job: z.string().min(1).max(64) });

/** One uploaded file of a multipart request, as the server hands it to the schema. */
export const UploadedFileSchema = z.strictObject({
  filename: z.string().max(2048),
  contentType: z.string().max(256),
  content_base64: z.string(),
});

/**
 * `multipart/form-data`: one or more `file` parts, and optional `access_group`,
 * `sensitivity_level` and `metadata` (a JSON object) fields applied to every file.
 */
export const MultipartIngestSchema = z.strictObject({
  file: z.union([UploadedFileSchema, z.array(UploadedFileSchema).min(1).max(1000)]),
  access_group: AccessGroupSchema.optional(),
  sensitivity_level: z.enum(['1', '2', '3']).optional(),
  metadata: z.string().max(65536).optional().describe('A JSON object of metadata for every file'),
});

const ACCESS_NOTE =
  "Only chunks of documents the caller may read take part: the document's access group must be " +
  "`everyone` or one of the caller's groups, and its sensitivity level at most the caller's clearance. " +
  'The filter is part of the query (before the top k is cut), so a search never returns fewer hits ' +
  'because of what it may not see.';

export const knowledgeRoutes = {
  listKnowledgeBases: defineRoute({
    operationId: 'listKnowledgeBases',
    method: 'get',
    path: '/api/v1/knowledge-bases',
    tag: 'knowledge',
    summary: 'List knowledge bases',
    permission: 'knowledge:read',
    query: PageQuerySchema.extend(LabelSelectorQuery.shape),
    success: {
      status: 200,
      description: 'A page of knowledge bases',
      schema: pageSchema(KnowledgeBaseSchema),
    },
  }),
  createKnowledgeBase: defineRoute({
    operationId: 'createKnowledgeBase',
    method: 'post',
    path: '/api/v1/knowledge-bases',
    tag: 'knowledge',
    summary: 'Create a knowledge base (kind: KnowledgeBase)',
    permission: 'knowledge:write',
    body: KnowledgeBaseWriteSchema,
    etag: true,
    success: { status: 201, description: 'Created', schema: KnowledgeBaseSchema },
  }),
  getKnowledgeBase: defineRoute({
    operationId: 'getKnowledgeBase',
    method: 'get',
    path: '/api/v1/knowledge-bases/{name}',
    tag: 'knowledge',
    summary: 'Get a knowledge base with its document and chunk counts',
    permission: 'knowledge:read',
    params: NameParams,
    etag: true,
    success: { status: 200, description: 'The knowledge base', schema: KnowledgeBaseSchema },
  }),
  replaceKnowledgeBase: defineRoute({
    operationId: 'replaceKnowledgeBase',
    method: 'put',
    path: '/api/v1/knowledge-bases/{name}',
    tag: 'knowledge',
    summary: 'Replace a knowledge base',
    description:
      'The embedder cannot change while the base holds documents (their vectors would not compare); ' +
      'new chunking applies to documents ingested from now on.',
    permission: 'knowledge:write',
    params: NameParams,
    body: KnowledgeBaseWriteSchema,
    etag: true,
    success: { status: 200, description: 'Updated', schema: KnowledgeBaseSchema },
  }),
  deleteKnowledgeBase: defineRoute({
    operationId: 'deleteKnowledgeBase',
    method: 'delete',
    path: '/api/v1/knowledge-bases/{name}',
    tag: 'knowledge',
    summary: 'Delete a knowledge base with its documents and chunks',
    permission: 'knowledge:write',
    params: NameParams,
    etag: true,
    success: { status: 204, description: 'Deleted' },
  }),
  ingestDocuments: defineRoute({
    operationId: 'ingestDocuments',
    method: 'post',
    path: '/api/v1/knowledge-bases/{name}/documents',
    tag: 'knowledge',
    summary: 'Ingest documents: a durable background job',
    description:
      'JSON `{documents: [...]}` or `multipart/form-data` with `file` parts. The job extracts text ' +
      '(Markdown, text, HTML, JSON, JSONL, PDF), chunks, embeds and indexes each document in its own ' +
      'transaction: a document whose bytes are unchanged is skipped, a changed one has its chunks replaced ' +
      'atomically, and a broken one fails alone (`partial`) while the others go in. Answers 202 with the ' +
      'job; with `wait=true`, when it has finished (up to 60 s). The body limit is `knowledgeUploadLimitBytes`.',
    permission: 'knowledge:write',
    params: NameParams,
    query: IngestQuerySchema,
    body: z.union([IngestRequestSchema, MultipartIngestSchema]),
    extraBodyTypes: ['multipart/form-data'],
    success: { status: 200, description: 'The job (202 while it runs)', schema: IngestJobSchema },
  }),
  listDocuments: defineRoute({
    operationId: 'listDocuments',
    method: 'get',
    path: '/api/v1/knowledge-bases/{name}/documents',
    tag: 'knowledge',
    summary: 'List the documents of a knowledge base the caller may read',
    permission: 'knowledge:read',
    params: NameParams,
    query: PageQuerySchema,
    success: { status: 200, description: 'A page of documents', schema: pageSchema(KnowledgeDocumentSchema) },
  }),
  deleteDocument: defineRoute({
    operationId: 'deleteDocument',
    method: 'delete',
    path: '/api/v1/knowledge-bases/{name}/documents/{document}',
    tag: 'knowledge',
    summary: 'Delete a document and its chunks',
    permission: 'knowledge:write',
    params: DocumentParams,
    success: { status: 204, description: 'Deleted' },
  }),
  listIngestJobs: defineRoute({
    operationId: 'listIngestJobs',
    method: 'get',
    path: '/api/v1/knowledge-bases/{name}/jobs',
    tag: 'knowledge',
    summary: 'Ingestion jobs of a knowledge base, newest first',
    permission: 'knowledge:read',
    params: NameParams,
    query: PageQuerySchema,
    success: { status: 200, description: 'A page of jobs', schema: pageSchema(IngestJobSchema) },
  }),
  getIngestJob: defineRoute({
    operationId: 'getIngestJob',
    method: 'get',
    path: '/api/v1/knowledge-bases/{name}/jobs/{job}',
    tag: 'knowledge',
    summary: 'An ingestion job with the outcome of each document',
    permission: 'knowledge:read',
    params: JobParams,
    success: { status: 200, description: 'The job', schema: IngestJobSchema },
  }),
  searchKnowledgeBase: defineRoute({
    operationId: 'searchKnowledgeBase',
    method: 'post',
    path: '/api/v1/knowledge-bases/{name}/search',
    tag: 'knowledge',
    summary: 'Hybrid search: dense + full-text, fused by reciprocal rank, re-ranked',
    description: ACCESS_NOTE,
    permission: 'knowledge:read',
    params: NameParams,
    body: SearchRequestSchema,
    success: { status: 200, description: 'The hits, best first', schema: SearchResponseSchema },
  }),
  getRunLineage: defineRoute({
    operationId: 'getRunLineage',
    method: 'get',
    path: '/api/v1/runs/{id}/lineage',
    tag: 'runs',
    summary: "The knowledge chunks that entered a run's context, and which its answer cites",
    permission: 'runs:read',
    params: z.object({ id: z.string().min(1).max(64) }),
    success: { status: 200, description: 'The lineage', schema: RunLineageSchema },
  }),
} as const;
