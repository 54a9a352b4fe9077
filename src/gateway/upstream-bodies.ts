import { hideMessages } from './completion-shapes.ts';
import type { ChatCompletionRequest, EmbeddingsRequest } from './openai-wire.ts';
import type { PseudonymSession } from './ports.ts';
import type { RouteTarget } from './routing/index.ts';

/**
 * The chat request as one target receives it: its own model name, prompts pseudonymized for an
 * external backend, the gateway's `cache` extension removed, and (streaming) usage always asked
 * for, because accounting needs it even when the caller did not ask.
 */
export function chatBody(
  request: ChatCompletionRequest,
  target: RouteTarget,
  streaming: boolean,
  session: PseudonymSession | null,
): Record<string, unknown> {
  const { cache: _cache, ...rest } = request as ChatCompletionRequest & { cache?: unknown };
  return {
    ...rest,
    model: target.upstreamModel,
    ...(session ? { messages: hideMessages(request.messages, session) } : {}),
    ...(streaming ? { stream_options: { ...(request.stream_options ?? {}), include_usage: true } } : {}),
  };
}

/** The embeddings request as one target receives it (text inputs pseudonymized for external ones). */
export function embeddingsBody(
  request: EmbeddingsRequest,
  target: RouteTarget,
  session: PseudonymSession | null,
): Record<string, unknown> {
  return { ...request, model: target.upstreamModel, input: hideInput(request.input, session) };
}

function hideInput(
  input: EmbeddingsRequest['input'],
  session: PseudonymSession | null,
): EmbeddingsRequest['input'] {
  if (!session) return input;
  if (typeof input === 'string') return session.hide(input);
  if (input.every((item) => typeof item === 'string'))
    return (input as string[]).map((item) => session.hide(item));
  return input;
}
