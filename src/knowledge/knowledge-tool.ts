import { z } from 'zod';
import { NameSchema, TOP_K_MAX } from '../contracts/index.ts';
import { isAppError } from '../core/index.ts';
import {
  BaseToolConfigSchema,
  type BuiltinTool,
  defineBuiltinTool,
  errorResult,
  textResult,
} from '../tools/index.ts';
import type { KnowledgeService } from './knowledge-service.ts';
import type { Viewer } from './ports.ts';

/** Who the caller of a tool is, as the knowledge base sees them. */
export type ViewerOf = (
  tenantId: string,
  who: { runId?: string | undefined; principal?: string | undefined },
) => Promise<Viewer>;

export const KnowledgeSearchArgsSchema = z.strictObject({
  query: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .describe('What to look for, in the words the documents would use'),
  top_k: z
    .number()
    .int()
    .min(1)
    .max(20)
    .optional()
    .describe("How many passages (default: the reference's topK)"),
});

export const KnowledgeSearchConfigSchema = BaseToolConfigSchema.extend({
  collection: NameSchema.describe('The knowledge base to search'),
  topK: z.number().int().min(1).max(TOP_K_MAX).default(5),
  vectorStore: z
    .string()
    .max(64)
    .optional()
    .describe("Accepted for the seed's manifests; the platform's own index serves"),
});

/**
 * `knowledge_search` (type `retrieval`): hybrid search of one knowledge base, as the run's user
 * (or the direct caller) may see it. Each passage comes back with a `[chunk:ID]` tag the answer
 * cites; a run's retrieved chunks are recorded as its lineage.
 */
export function knowledgeSearchTool(knowledge: KnowledgeService, viewerOf: ViewerOf): BuiltinTool {
  return defineBuiltinTool({
    name: 'knowledge_search',
    description:
      'Searches the company knowledge base for passages relevant to a query. Cite passages you use as [chunk:ID].',
    args: KnowledgeSearchArgsSchema,
    config: KnowledgeSearchConfigSchema,
    idempotent: true,
    run: async ({ query, top_k }, { config, tenantId, runId, principal, signal, idempotencyKey }) => {
      if (!tenantId) return errorResult('knowledge_search needs a tenant');
      const viewer = await viewerOf(tenantId, { runId, principal });
      let response: Awaited<ReturnType<KnowledgeService['search']>>;
      try {
        response = await knowledge.search(
          tenantId,
          viewer,
          config.collection,
          { query, top_k: top_k ?? config.topK, mode: 'hybrid', rerank: true },
          signal,
        );
      } catch (error) {
        if (isAppError(error) && (error.category === 'not_found' || error.category === 'invalid'))
          return errorResult(error.message);
        throw error;
      }
      if (runId)
        await knowledge.recordLineage(
          tenantId,
          runId,
          idempotencyKey || null,
          config.collection,
          response.results,
          signal,
        );
      if (response.results.length === 0)
        return textResult(`no passages in ${config.collection} match "${query}"`, { results: [] });
      const text = response.results
        .map(
          (hit) =>
            `[chunk:${hit.chunkId}] (${hit.source ?? hit.documentId}${hit.heading ? ` — ${hit.heading}` : ''})\n${hit.text}`,
        )
        .join('\n\n');
      return textResult(text, {
        results: response.results.map((hit) => ({
          chunkId: hit.chunkId,
          documentId: hit.documentId,
          source: hit.source,
          heading: hit.heading,
          score: hit.score,
          text: hit.text,
        })),
        citations: response.results.map((hit) => `[chunk:${hit.chunkId}]`).join(' '),
      });
    },
  });
}
