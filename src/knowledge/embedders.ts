import type { KnowledgeEmbedder } from '../contracts/index.ts';
import { AppError, assertNever } from '../core/index.ts';
import { hashingEmbed } from './hashing-embedder.ts';
import type { EmbeddingClient } from './ports.ts';

/** Texts to vectors of unit length; throws for an upstream failure (the job retries). */
export type EmbedTexts = (texts: readonly string[], signal: AbortSignal) => Promise<number[][]>;

/** Texts per call to an embedding model. */
const GATEWAY_BATCH = 64;

function unit(vector: number[]): number[] {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

/** The embedder a base names: the built-in hashing one, or a model through the gateway. */
export function embedderFor(
  spec: KnowledgeEmbedder,
  tenantId: string,
  client: EmbeddingClient | undefined,
): EmbedTexts {
  switch (spec.type) {
    case 'hashing':
      return async (texts) => texts.map((text) => hashingEmbed(text));
    case 'gateway':
      return async (texts, signal) => {
        if (!client) throw new AppError('UNAVAILABLE', 'no model gateway is configured for embeddings');
        const vectors: number[][] = [];
        for (let at = 0; at < texts.length; at += GATEWAY_BATCH) {
          const batch = texts.slice(at, at + GATEWAY_BATCH);
          const answer = await client.embed(tenantId, spec.model, batch, signal);
          if (answer.length !== batch.length)
            throw new AppError(
              'UPSTREAM_ERROR',
              `embedding model ${spec.model} answered ${answer.length} vectors for ${batch.length} texts`,
            );
          vectors.push(...answer.map(unit));
        }
        return vectors;
      };
    default:
      return assertNever(spec);
  }
}
