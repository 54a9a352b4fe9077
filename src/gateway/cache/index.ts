export {
  CACHE_DECISION_REASONS,
  type CacheDecision,
  type CacheDecisionReason,
  cacheDecision,
  canonicalJson,
  KEYED_REQUEST_FIELDS,
  type ResponseCacheKeyInput,
  responseCacheKey,
} from './cache-key.ts';
export {
  ResponseCache,
  type ResponseCacheHit,
  type ResponseCacheOptions,
  type ResponseCacheStats,
  SHARED_KEY_PREFIX,
  SHARED_OPERATIONS,
  type SharedCache,
  type SharedOperation,
} from './response-cache.ts';
export { isStorable, STORABLE_FINISH_REASONS, type StorableFinishReason } from './stored-completion.ts';
export { StreamAssembler, TEXT_DELTA_FIELDS } from './stream-assembler.ts';
export { type ReplayOptions, replayAsStream } from './stream-replay.ts';
