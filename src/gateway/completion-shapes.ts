import { z } from 'zod';
import { parseJson } from '../contracts/index.ts';
import type { ChatMessageInput } from './openai-wire.ts';
import type { PseudonymSession } from './ports.ts';

/**
 * What the gateway reads of upstream answers: permissive (every other field passes through as the
 * backend sent it), but checked where it is read.
 */

const UsageSchema = z
  .looseObject({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    // OpenAI's prompt caching: how many prompt tokens the provider served from its cache.
    prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  })
  .nullish();

const MessageSchema = z.looseObject({
  content: z.string().nullish(),
  tool_calls: z
    .array(z.looseObject({ function: z.looseObject({ arguments: z.string().nullish() }).nullish() }))
    .nullish(),
});
type Message = z.infer<typeof MessageSchema>;

export const ChatCompletionSchema = z.looseObject({
  model: z.unknown().optional(),
  choices: z.array(z.looseObject({ message: MessageSchema.nullish() })),
  usage: UsageSchema,
});

export const ChatCompletionChunkSchema = z.looseObject({
  model: z.unknown().optional(),
  choices: z
    .array(z.looseObject({ delta: MessageSchema.nullish(), finish_reason: z.string().nullish() }))
    .nullish(),
  usage: UsageSchema,
  // OpenAI and vLLM report a failure after the stream started as a chunk carrying `error`.
  error: z.unknown().optional(),
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunkSchema>;

export const EmbeddingsResponseSchema = z.looseObject({
  model: z.unknown().optional(),
  data: z.array(z.unknown()),
  usage: UsageSchema,
});

export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  /** Of the input tokens, those the provider answered from its own prompt cache. */
  cachedTokens?: number | null;
}

export function usageOf(usage: z.infer<typeof UsageSchema>): Usage | null {
  if (!usage) return null;
  return {
    inputTokens: usage.prompt_tokens ?? null,
    outputTokens: usage.completion_tokens ?? null,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? null,
  };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Syntax, then shape; failures are values. */
export function parseUpstream<S extends z.ZodType>(schema: S, text: string): Parsed<z.output<S>> {
  const json = parseJson(text);
  if (!json.ok) return { ok: false, problem: `not JSON (${json.error})` };
  const result = schema.safeParse(json.value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, problem: issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid' };
}

/** Restores placeholders in what a backend wrote: text and tool-call arguments, in place. */
export function restoreMessage(message: Message | null | undefined, session: PseudonymSession): void {
  if (!message) return;
  if (typeof message.content === 'string') message.content = session.restore(message.content);
  for (const call of message.tool_calls ?? [])
    if (call.function && typeof call.function.arguments === 'string')
      call.function.arguments = session.restore(call.function.arguments);
}

/** The messages with personal data replaced by placeholders: text, text parts, tool-call arguments. */
export function hideMessages(messages: ChatMessageInput[], session: PseudonymSession): ChatMessageInput[] {
  return messages.map((message) => {
    const hidden: ChatMessageInput = { ...message };
    if (typeof message.content === 'string') hidden.content = session.hide(message.content);
    else if (Array.isArray(message.content))
      hidden.content = message.content.map((part) =>
        part.type === 'text' && typeof part.text === 'string'
          ? { ...part, text: session.hide(part.text) }
          : part,
      );
    if (message.tool_calls)
      hidden.tool_calls = message.tool_calls.map((call) => ({
        ...call,
        function: { ...call.function, arguments: session.hide(call.function.arguments) },
      }));
    return hidden;
  });
}
