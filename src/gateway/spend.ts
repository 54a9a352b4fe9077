import type { ModelBackendSpec } from '../contracts/index.ts';
import type { Usage } from './completion-shapes.ts';
import type { ChatCompletionRequest, EmbeddingsRequest } from './openai-wire.ts';
import type { RouteTarget } from './routing/index.ts';

/** Output tokens assumed for a request that sets no max_tokens, when reserving spend. */
export const DEFAULT_OUTPUT_TOKENS = 4_096;

/**
 * An upper bound of the tokens a chat completion can spend, reserved before it goes upstream so
 * concurrent calls cannot overspend: every BPE token is at least one byte, so the UTF-8 size of the
 * messages and tools bounds the prompt; the output is bounded by `max_completion_tokens` /
 * `max_tokens` (or {@link DEFAULT_OUTPUT_TOKENS}, which a call without a limit may exceed) per choice.
 */
export function estimateChatTokens(request: ChatCompletionRequest): number {
  const prompt =
    Buffer.byteLength(JSON.stringify(request.messages)) +
    (request.tools ? Buffer.byteLength(JSON.stringify(request.tools)) : 0);
  const output = request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_OUTPUT_TOKENS;
  return prompt + output * (request.n ?? 1);
}

/** An upper bound of an embeddings request's tokens (bytes of text, or the token ids given). */
export function estimateEmbeddingTokens(input: EmbeddingsRequest['input']): number {
  if (typeof input === 'string') return Buffer.byteLength(input);
  let total = 0;
  for (const item of input)
    total += typeof item === 'string' ? Buffer.byteLength(item) : Array.isArray(item) ? item.length : 1;
  return total;
}

/** USD per 1,000 tokens, input and output; null when the backend has no price. */
export function pricesOf(spec: ModelBackendSpec): { input: number; output: number } | null {
  const price = spec.cost_per_1k;
  if (price === undefined) return null;
  return typeof price === 'number' ? { input: price, output: price } : price;
}

/** What a call cost in USD; null when the backend has no price or the usage is unknown. */
export function costOf(spec: ModelBackendSpec, usage: Usage | null): number | null {
  const prices = pricesOf(spec);
  if (!prices || !usage) return null;
  return ((usage.inputTokens ?? 0) * prices.input + (usage.outputTokens ?? 0) * prices.output) / 1000;
}

/**
 * The most `tokens` can cost on any of the targets (failover may land on the dearest), priced as
 * output tokens; null if no target has a price.
 */
export function highestPrice(targets: readonly RouteTarget[], tokens: number): number | null {
  let highest: number | null = null;
  for (const target of targets) {
    const prices = pricesOf(target.backend.spec);
    if (prices) highest = Math.max(highest ?? 0, prices.input, prices.output);
  }
  return highest === null ? null : (tokens * highest) / 1000;
}
