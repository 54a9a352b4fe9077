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
 * prompt embedding is nearest (cosine) to the one asked about, among the scope's live entries
 * produced at a sensitivity level no higher than the caller's. With pgvector (PGlite always) the
 * database computes the distances; without it, an exact scan in process of the scope's newest
 * `CANDIDATES` entries.
 */
export class SqlSemanticCache {
  /** Whether pgvector's `vector` type is visible here; asked once. */
  #vector: Promise<boolean> | undefined;

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
    this.#vector ??= sql<{ ok: boolean }>`select to_regtype('vector') is not null as ok`
      .execute(this.db)
      .then((result) => result.rows[0]?.ok === true);
    if (await this.#vector) return this.#nearestInSql(tenantId, scope, maxSensitivity, embedding, signal);
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

  /**
   * pgvector's exact cosine distance over every live entry of the scope (not only the newest),
   * computed in the database; entries of another dimension (an embedding model changed) skipped.
   */
  async #nearestInSql(
    tenantId: string,
    scope: string,
    maxSensitivity: number,
    embedding: readonly number[],
    signal?: AbortSignal,
  ): Promise<SemanticMatch | null> {
    const probe = `[${embedding.join(',')}]`;
    const row = await inTenantTransaction(
      this.db,
      tenantId,
      (trx) =>
        trx
          .selectFrom('semantic_cache')
          .select(['completion', sql<number>`1 - (embedding::vector <=> ${probe}::vector)`.as('similarity')])
          .where('tenant_id', '=', tenantId)
          .where('scope', '=', scope)
          .where('sensitivity', '<=', maxSensitivity)
          .where('expires_at', '>', sql<Date>`now()`)
          .where(sql<boolean>`array_length(embedding, 1) = ${embedding.length}`)
          .orderBy(sql`embedding::vector <=> ${probe}::vector`)
          .limit(1)
          .executeTakeFirst(),
      signal,
    );
    if (!row) return null;
    return {
      completion: readJson(CompletionSchema, row.completion, 'semantic cache answer'),
      similarity: Number(row.similarity),
    };
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
