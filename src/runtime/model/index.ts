export {
  DEFAULT_MODEL_TIMEOUT_MS,
  OpenAICompatibleModelClient,
  type OpenAICompatibleModelClientOptions,
} from './openai-compatible-client.ts';
