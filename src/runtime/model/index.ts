export { CallScope } from './call-scope.ts';
export { ConcurrencyLimiter } from './concurrency-limiter.ts';
export { createKeepAliveAgents, type HttpAgents, postJson, readBody, readText } from './http-exchange.ts';
export {
  DEFAULT_MODEL_TIMEOUT_MS,
  OpenAICompatibleModelClient,
  type OpenAICompatibleModelClientOptions,
} from './openai-compatible-client.ts';
export { SseDecoder, type SseEvent, SseTooLargeError } from './sse-decoder.ts';
