import { z } from 'zod';
import type { PseudonymSession } from './ports.ts';
import type { RouteTarget } from './routing/index.ts';

/**
 * A re-ranking request as cross-encoder servers take it (`POST {endpoint}/rerank`: vLLM, Hugging
 * Face TEI's compatible route, Jina, Cohere): a query, the documents, how many to return.
 */
export const RerankRequestSchema = z.strictObject({
  model: z.string().min(1).max(512),
  query: z.string().min(1),
  documents: z.array(z.string()).min(1).max(1000),
  top_n: z.number().int().positive().optional(),
});
export type RerankRequest = z.infer<typeof RerankRequestSchema>;

export const RerankResponseSchema = z.looseObject({
  results: z.array(z.looseObject({ index: z.number().int().min(0), relevance_score: z.number() })),
  usage: z
    .looseObject({ prompt_tokens: z.number().optional(), total_tokens: z.number().optional() })
    .nullish(),
});

/** The request as one target receives it: its own model name; text pseudonymized for an external one. */
export function rerankBody(
  request: RerankRequest,
  target: RouteTarget,
  session: PseudonymSession | null,
): Record<string, unknown> {
  return {
    ...request,
    model: target.upstreamModel,
    ...(session
      ? { query: session.hide(request.query), documents: request.documents.map((text) => session.hide(text)) }
      : {}),
  };
}
