import { createHash } from 'node:crypto';
import type { ChatCompletionRequest } from '../openai-wire.ts';

/**
 * The request fields that decide what a model answers, hence what a cached answer may stand in for.
 * Everything else (`stream`, `stream_options`, `user`, `metadata`, `cache`, vendor extensions) is
 * left out: it changes how or for whom the answer is delivered, not the answer. A field missing here
 * that changes the answer would serve a wrong answer; one too many only costs hits, so additions
 * err on the side of keying.
 */
export const KEYED_REQUEST_FIELDS = [
  'messages',
  'tools',
  'tool_choice',
  'response_format',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'n',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'parallel_tool_calls',
  'reasoning_effort',
] as const;

/** Bumped whenever the canonical form changes, so old entries are never read under new rules. */
const KEY_VERSION = 1;

export interface ResponseCacheKeyInput {
  tenantId: string;
  /** The model as the caller named it (alias or id), not the backend it resolved to. */
  model: string;
  request: ChatCompletionRequest;
  /**
   * Everything else that must not be shared: the gateway keys the sensitivity level and the
   * `x-model-id` pin here, so an answer made for one never serves the other.
   */
  partition?: string;
}

/**
 * The exact-match cache key of a chat completion request: lowercase hex SHA-256 over a canonical
 * JSON (object keys sorted at every depth, array order kept) of the tenant, the requested model and
 * the {@link KEYED_REQUEST_FIELDS}. A top-level field that is `null` keys like one that is absent
 * (both mean "the backend's default"). Never throws for a request that passed
 * `ChatCompletionRequestSchema`.
 */
export function responseCacheKey(input: ResponseCacheKeyInput): string {
  const request = input.request as Record<string, unknown>;
  const keyed: Record<string, unknown> = {};
  for (const field of KEYED_REQUEST_FIELDS) {
    const value = request[field];
    if (value !== undefined && value !== null) keyed[field] = value;
  }
  const canonical = canonicalJson({
    v: KEY_VERSION,
    tenant: input.tenantId,
    model: input.model,
    keyed,
    ...(input.partition ? { partition: input.partition } : {}),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/** JSON with object keys sorted, so equal values always serialise to equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort())
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/** Why a request may or may not use the response cache. */
export const CACHE_DECISION_REASONS = [
  'cacheable',
  'opted_out',
  'not_deterministic',
  'no_store',
  'no_cache',
] as const;
export type CacheDecisionReason = (typeof CACHE_DECISION_REASONS)[number];

export interface CacheDecision {
  /** May a stored answer be served? */
  read: boolean;
  /** May the fresh answer be stored? */
  write: boolean;
  reason: CacheDecisionReason;
}

/**
 * Whether a request may read and write the response cache, in this order:
 * `cache: false` in the body forbids both (`opted_out`); a request is cacheable only if it asked
 * for a deterministic answer, `temperature: 0` or `cache: true` (else `not_deterministic`);
 * `Cache-Control: no-store` forbids both (`no_store`); `Cache-Control: no-cache` skips the read but
 * stores the fresh answer (`no_cache`). Directives are matched case-insensitively in a
 * comma-separated header; unknown directives are ignored.
 */
export function cacheDecision(
  request: ChatCompletionRequest,
  cacheControlHeader: string | null | undefined,
): CacheDecision {
  const optIn = (request as Record<string, unknown>).cache;
  if (optIn === false) return { read: false, write: false, reason: 'opted_out' };
  if (request.temperature !== 0 && optIn !== true)
    return { read: false, write: false, reason: 'not_deterministic' };
  const directives = cacheControlDirectives(cacheControlHeader);
  if (directives.has('no-store')) return { read: false, write: false, reason: 'no_store' };
  if (directives.has('no-cache')) return { read: false, write: true, reason: 'no_cache' };
  return { read: true, write: true, reason: 'cacheable' };
}

function cacheControlDirectives(header: string | null | undefined): Set<string> {
  const directives = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const name = part.split('=')[0]?.trim().toLowerCase();
    if (name) directives.add(name);
  }
  return directives;
}
