import { createHash } from 'node:crypto';
import type { ModelAliasSpec } from '../contracts/index.ts';
import { canonicalJson, KEYED_REQUEST_FIELDS } from './cache/index.ts';
import type { ChatCompletionRequest } from './openai-wire.ts';
import type { GatewayCaller } from './ports.ts';

/** Where L3 entries live (the platform's database); see `SqlSemanticCache`. */
export interface SemanticCacheStore {
  nearest(
    tenantId: string,
    scope: string,
    maxSensitivity: number,
    embedding: readonly number[],
    signal?: AbortSignal,
  ): Promise<{ completion: Record<string, unknown>; similarity: number } | null>;
  store(
    tenantId: string,
    scope: string,
    sensitivity: number,
    embedding: readonly number[],
    completion: Record<string, unknown>,
    ttlMs: number,
    signal?: AbortSignal,
  ): Promise<void>;
}

/** Turns text into a vector with a model (through the gateway's own embeddings route). */
export type Embedder = (
  caller: GatewayCaller,
  model: string,
  text: string,
  signal: AbortSignal,
) => Promise<number[]>;

export type SemanticConfig = NonNullable<NonNullable<ModelAliasSpec['cache']>['semantic']>;

/** What a lookup found out, kept to store the fresh answer under the same embedding. */
export interface SemanticProbe {
  scope: string;
  embedding: number[];
  sensitivity: number;
}

/** Everything the exact cache keys but the conversation: an answer is only reused under the same one of each. */
const SCOPE_FIELDS = KEYED_REQUEST_FIELDS.filter((field) => field !== 'messages');

/**
 * The L3 semantic cache: a deterministic request whose prompt means nearly the same as one already
 * answered (cosine similarity of their embeddings at or above `similarity_threshold`) gets that
 * answer. Conversations holding tool results are left to the exact caches: a near match of one
 * would hand back an answer (often another tool call) made for other results. Entries never cross tenants, requested models, system prompts, tool sets or sampling
 * parameters (all in the scope hash), and an answer produced at a sensitivity level is served only
 * to requests at that level or above. Any failure here (the embedding model down, the store) is a
 * miss, reported to `onError`, never the caller's error.
 */
export class SemanticLayer {
  constructor(
    private readonly store: SemanticCacheStore,
    private readonly embed: Embedder,
    private readonly onError: (error: unknown) => void,
  ) {}

  async lookup(
    caller: GatewayCaller,
    request: ChatCompletionRequest,
    config: SemanticConfig,
    sensitivity: number,
    pin: string | null,
    read: boolean,
    signal: AbortSignal,
  ): Promise<{ probe: SemanticProbe | null; hit: Record<string, unknown> | null }> {
    if (!config.enabled || !config.embedding_model) return { probe: null, hit: null };
    // Mid tool use, the answer depends on the exact tool results: only the exact caches apply.
    if (request.messages.some((message) => message.role === 'tool')) return { probe: null, hit: null };
    const text = conversationText(request);
    if (text === '') return { probe: null, hit: null };
    try {
      const embedding = await this.embed(caller, config.embedding_model, text, signal);
      const probe = { scope: semanticScope(caller.tenantId, request, pin), embedding, sensitivity };
      if (!read) return { probe, hit: null };
      const match = await this.store.nearest(caller.tenantId, probe.scope, sensitivity, embedding, signal);
      const hit = match && match.similarity >= config.similarity_threshold ? match.completion : null;
      return { probe, hit };
    } catch (error) {
      if (signal.aborted) throw error;
      this.onError(error);
      return { probe: null, hit: null };
    }
  }

  remember(tenantId: string, probe: SemanticProbe, completion: Record<string, unknown>, ttlMs: number): void {
    this.store
      .store(
        tenantId,
        probe.scope,
        probe.sensitivity,
        probe.embedding,
        completion,
        ttlMs,
        AbortSignal.timeout(5_000),
      )
      .catch((error: unknown) => this.onError(error));
  }
}

/** The scope of a request: tenant, requested model, `x-model-id` pin, system prompts, every non-conversation field. */
export function semanticScope(
  tenantId: string,
  request: ChatCompletionRequest,
  pin: string | null = null,
): string {
  const fields = request as Record<string, unknown>;
  const keyed: Record<string, unknown> = {};
  for (const field of SCOPE_FIELDS)
    if (fields[field] !== undefined && fields[field] !== null) keyed[field] = fields[field];
  const system = request.messages
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .map((message) => message.content);
  return createHash('sha256')
    .update(canonicalJson({ v: 1, tenant: tenantId, model: request.model, pin, system, keyed }))
    .digest('hex');
}

/** The conversation as embedded: every non-system message's text, normalised (case, spaces). */
export function conversationText(request: ChatCompletionRequest): string {
  const lines: string[] = [];
  for (const message of request.messages) {
    if (message.role === 'system' || message.role === 'developer') continue;
    const content =
      typeof message.content === 'string'
        ? message.content
        : Array.isArray(message.content)
          ? message.content.map((part) => (typeof part.text === 'string' ? part.text : '')).join(' ')
          : '';
    lines.push(`${message.role}: ${content}`);
  }
  return lines.join('\n').toLowerCase().replace(/\s+/g, ' ').trim();
}
