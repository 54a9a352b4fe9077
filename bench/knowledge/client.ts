import { z } from 'zod';
import { BENCH_KEY } from '../run-support.ts';

/**
 * The knowledge API as the bench uses it. Response schemas are permissive (unknown fields pass):
 * the bench reads only what it scores, so the API may grow without breaking it.
 */

export const SEARCH_MODES = ['sparse', 'dense', 'hybrid'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

const JOB_DONE = ['succeeded', 'partial', 'failed'] as const;

const JobSchema = z.object({
  id: z.string(),
  status: z.enum(['queued', 'running', ...JOB_DONE]),
  documents: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      chunks: z.number().int(),
      error: z.string().nullish(),
    }),
  ),
  chunks: z.number().int(),
  error: z.string().nullish(),
});
export type IngestJob = z.infer<typeof JobSchema>;

const SearchHitSchema = z.object({
  chunkId: z.string(),
  documentId: z.string(),
  text: z.string(),
  score: z.number(),
  start: z.number().int().nullish(),
  end: z.number().int().nullish(),
  heading: z.string().nullish(),
});

const SearchResponseSchema = z.object({
  results: z.array(SearchHitSchema),
  mode: z.string().optional(),
  tookMs: z.number().optional(),
});
export type SearchResponse = z.infer<typeof SearchResponseSchema>;

export interface SearchRequest {
  query: string;
  top_k: number;
  mode: SearchMode;
  rerank: boolean;
}

export interface DocumentInput {
  id: string;
  source: string;
  format: 'markdown';
  content: string;
  metadata: Record<string, string | number | boolean>;
}

export class KnowledgeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 500)}`);
  }
}

/** One platform's knowledge API, with the bench's admin key. */
export class KnowledgeClient {
  constructor(
    readonly url: string,
    readonly signal: AbortSignal,
  ) {}

  async #call<T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<{ status: number; value: T }> {
    const response = await fetch(this.url + path, {
      method,
      signal: this.signal,
      headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new KnowledgeApiError(response.status, text, `${method} ${path}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`${method} ${path}: the answer is not JSON: ${text.slice(0, 200)}`, { cause: error });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new Error(`${method} ${path}: unexpected answer: ${parsed.error.message}`);
    return { status: response.status, value: parsed.data };
  }

  async createBase(name: string, strategy: string): Promise<void> {
    await this.#call('POST', '/api/v1/knowledge-bases', z.unknown(), {
      metadata: { name },
      spec: { embedder: { type: 'hashing' }, chunking: { strategy, size: 800, overlap: 120 } },
    });
  }

  /** The base's document and chunk counts, when the API reports them (null otherwise). */
  async counts(name: string): Promise<{ documents: number; chunks: number } | null> {
    const { value } = await this.#call(
      'GET',
      `/api/v1/knowledge-bases/${name}`,
      z.object({ status: z.object({ documents: z.number(), chunks: z.number() }).nullish() }),
    );
    return value.status ?? null;
  }

  /**
   * Ingests documents and waits for the job (wait=true, then polling while it is queued or
   * running). Throws if the job or any document failed.
   */
  async ingest(name: string, documents: readonly DocumentInput[]): Promise<IngestJob> {
    let { value: job } = await this.#call(
      'POST',
      `/api/v1/knowledge-bases/${name}/documents?wait=true`,
      JobSchema,
      {
        documents,
      },
    );
    // Polls back off (to half a second): every poll is a statement PGlite runs between the job's own.
    for (let wait = 50; job.status === 'queued' || job.status === 'running'; wait = Math.min(500, wait * 2)) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      ({ value: job } = await this.#call('GET', `/api/v1/knowledge-bases/${name}/jobs/${job.id}`, JobSchema));
    }
    const failed = job.documents.filter((d) => d.status !== 'ingested' && d.status !== 'unchanged');
    if (job.status !== 'succeeded' || failed.length > 0)
      throw new Error(
        `ingestion job ${job.id} ${job.status}: ${job.error ?? ''} ${failed
          .slice(0, 5)
          .map((d) => `${d.id}: ${d.status} ${d.error ?? ''}`)
          .join('; ')}`,
      );
    return job;
  }

  async search(name: string, request: SearchRequest): Promise<SearchResponse> {
    return (await this.#call('POST', `/api/v1/knowledge-bases/${name}/search`, SearchResponseSchema, request))
      .value;
  }
}
