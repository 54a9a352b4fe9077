import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { IdGenerator } from '../core/index.ts';
import { readJson, writeJson } from './json-columns.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction } from './tenant-scope.ts';

/** How many of a scope's newest entries a lookup compares: bounds the exact scan. */
const CANDIDATES = 256;
const CompletionSchema = z.record(z.string(), z.unknown());

export interface SemanticMatch {
  completion: Record<string, unknown>;
  similarity: number;
}

/**
 * The gateway's semantic cache over PGlite or PostgreSQL: the entry of a tenant's scope whose
 * prompt embedding is nearest (cosine) to the one asked about, among the scope's newest live
 * entries produced at a sensitivity level no higher than the caller's. An exact scan in process:
 * correct without pgvector, bounded by `CANDIDATES`.
 */
export class SqlSemanticCache {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly ids: IdGenerator,
  ) {}

  async nearest(
    tenantId: string,
    scope: string,
    maxSensitivity: number,
    embedding: readonly number[],
    signal?: AbortSignal,
  ): Promise<SemanticMatch | null> {
    const rows = await inTenantTransaction(
      this.db,
      tenantId,
      (trx) =>
        trx
          .selectFrom('semantic_cache')
          .select(['embedding', 'completion'])
          .where('tenant_id', '=', tenantId)
          .where('scope', '=', scope)
          .where('sensitivity', '<=', maxSensitivity)
          .where('expires_at', '>', sql<Date>`now()`)
          .orderBy('created_at', 'desc')
          .limit(CANDIDATES)
          .execute(),
      signal,
    );
    let best: SemanticMatch | null = null;
    for (const row of rows) {
      const similarity = cosine(embedding, row.embedding);
      if (!best || similarity > best.similarity)
        best = { completion: row.completion as Record<string, unknown>, similarity };
      if (best) best.completion = readJson(CompletionSchema, best.completion, 'semantic cache answer');
    }
    return best;
  }

  async store(
    tenantId: string,
    scope: string,
    sensitivity: number,
    embedding: readonly number[],
    completion: Record<string, unknown>,
    ttlMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    await inTenantTransaction(
      this.db,
      tenantId,
      async (trx) => {
        await trx
          .insertInto('semantic_cache')
          .values({
            id: this.ids.next(),
            tenant_id: tenantId,
            scope,
            sensitivity,
            embedding: [...embedding],
            completion: writeJson(completion),
            expires_at: new Date(Date.now() + ttlMs),
          })
          .execute();
        // Expired entries of the scope go as new ones arrive: the table stays bounded by the TTL.
        await trx
          .deleteFrom('semantic_cache')
          .where('tenant_id', '=', tenantId)
          .where('scope', '=', scope)
          .where('expires_at', '<=', sql<Date>`now()`)
          .execute();
      },
      signal,
    );
  }
}

/** Cosine similarity; 0 for vectors of different length or zero norm. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
