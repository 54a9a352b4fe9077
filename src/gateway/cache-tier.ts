import { randomUUID } from 'node:crypto';
import { durationToMs } from '../contracts/index.ts';
import {
  cacheDecision,
  isStorable,
  type ResponseCache,
  replayAsStream,
  responseCacheKey,
} from './cache/index.ts';
import type { Route } from './model-resolver.ts';
import type { ChatCompletionRequest } from './openai-wire.ts';
import type { GatewayCaller } from './ports.ts';
import type { SemanticLayer, SemanticProbe } from './semantic-layer.ts';

/** The `backend/model` that produced a stored answer, kept beside it (never shown to callers). */
const SERVED_BY = 'x_served_by';

/** What the cache said about one request, and how to store its fresh answer. */
export interface CachePlan {
  /** A stored answer (model already set to the caller's), its level and who produced it. */
  hit: {
    completion: Record<string, unknown>;
    level: 'hit-l1' | 'hit-l2' | 'hit-l3';
    servedBy: string;
  } | null;
  /** `miss` when the request was cacheable, null when not (no `x-cache` header then). */
  level: 'miss' | null;
  write: boolean;
  key: string;
  ttlMs: number;
  probe: SemanticProbe | null;
}

/**
 * L1 / L2 (exact, `ResponseCache`) and L3 (semantic, `SemanticLayer`) in front of the upstream
 * call: `lookup` answers from the first level that has the request, `store` files a fresh answer
 * in all of them. A cache is a help, never a failure: errors are misses.
 */
export class CacheTier {
  constructor(
    private readonly cache: ResponseCache | undefined,
    private readonly semantic: SemanticLayer | undefined,
    private readonly defaultTtlMs: number,
  ) {}

  async lookup(
    caller: GatewayCaller,
    request: ChatCompletionRequest,
    route: Route,
    options: { cacheControl?: string | null; sensitivity?: number; pin?: string | null },
    signal: AbortSignal,
  ): Promise<CachePlan> {
    const ttlMs = route.cache?.ttl ? durationToMs(route.cache.ttl) : this.defaultTtlMs;
    const decision =
      this.cache && route.cache?.enabled !== false ? cacheDecision(request, options.cacheControl) : null;
    if (!this.cache || !decision || (!decision.read && !decision.write))
      return { hit: null, level: null, write: false, key: '', ttlMs, probe: null };
    const sensitivity = options.sensitivity ?? 1;
    const pin = options.pin ?? null;
    // Level and pin partition the exact cache: an answer filed for a confidential request (or one
    // pinned backend) never answers a public one (or another pin), not even after an L3 promotion.
    const partition = sensitivity === 1 && pin === null ? undefined : `level=${sensitivity};pin=${pin ?? ''}`;
    const key = responseCacheKey({ tenantId: caller.tenantId, model: request.model, request, partition });
    const plan: CachePlan = { hit: null, level: 'miss', write: decision.write, key, ttlMs, probe: null };
    if (decision.read) {
      const exact = await this.cache.get(key, signal);
      if (exact) {
        plan.hit = {
          ...served(exact.completion, request, route),
          level: exact.level === 'l1' ? 'hit-l1' : 'hit-l2',
        };
        return plan;
      }
    }
    const config = route.cache?.semantic;
    if (!config || !this.semantic) return plan;
    const semantic = await this.semantic.lookup(
      caller,
      request,
      config,
      sensitivity,
      pin,
      decision.read,
      signal,
    );
    plan.probe = semantic.probe;
    if (semantic.hit) {
      plan.hit = { ...served({ ...semantic.hit }, request, route), level: 'hit-l3' };
      // The next identical request is an L1 / L2 hit.
      if (decision.write) this.#put(key, { ...semantic.hit }, ttlMs);
    }
    return plan;
  }

  /** Files a fresh answer produced by `servedBy` under the plan's key (and its L3 probe). */
  store(plan: CachePlan, completion: Record<string, unknown>, servedBy: string, tenantId: string): void {
    if (!plan.write || !this.cache) return;
    // Some servers leave out `id` or `created`; a replay repeats them in every chunk.
    const stored = {
      id: `chatcmpl-${randomUUID()}`,
      created: Math.floor(Date.now() / 1000),
      ...completion,
      [SERVED_BY]: servedBy,
    };
    this.#put(plan.key, stored, plan.ttlMs, () => {
      if (plan.probe) this.semantic?.remember(tenantId, plan.probe, stored, plan.ttlMs);
    });
  }

  #put(key: string, completion: Record<string, unknown>, ttlMs: number, then?: () => void): void {
    this.cache
      ?.set(key, completion, ttlMs, AbortSignal.timeout(5_000))
      .then((stored) => {
        if (stored) then?.();
      })
      .catch(() => undefined);
  }
}

function served(
  completion: Record<string, unknown>,
  request: ChatCompletionRequest,
  route: Route,
): { completion: Record<string, unknown>; servedBy: string } {
  const servedBy = String(completion[SERVED_BY] ?? route.requested);
  delete completion[SERVED_BY];
  completion.model = request.model;
  return { completion, servedBy };
}

/** A whole completion as a stream; one the replay cannot represent ends with an error event. */
export function replayCompletion(completion: Record<string, unknown>, includeUsage: boolean, model: string) {
  const whole = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), ...completion };
  if (isStorable(whole)) return replayAsStream(whole, { includeUsage, model });
  const error = {
    error: {
      message: 'the model answered in a form that cannot be streamed',
      type: 'upstream_error',
      param: null,
      code: 'upstream_malformed',
    },
  };
  return new Response(`data: ${JSON.stringify(error)}\n\n`).body as ReadableStream<Uint8Array>;
}
