import type { Usage } from './completion-shapes.ts';
import type { ChatMessageInput } from './openai-wire.ts';

/** Tokens a chat format adds around each message (role markers), as OpenAI documents it. */
const PER_MESSAGE = 3;
/** Text kept per stream for counting, should the backend report no usage: bounds memory. */
export const MAX_COUNTED_CHARS = 1_000_000;

type CountTokens = (text: string) => number;
let counter: Promise<CountTokens> | undefined;

/** The o200k_base tokenizer, loaded on first use only (it is megabytes of merge tables). */
function tokenizer(): Promise<CountTokens> {
  counter ??= import('gpt-tokenizer/encoding/o200k_base').then((module) => module.countTokens);
  return counter;
}

/**
 * Usage counted with a tokenizer, for a backend that reported none: o200k_base (OpenAI's current
 * encoding), so for other model families it is an estimate, close but not exact. Input is every
 * message's text and tool-call arguments plus a few tokens per message; output is the answer's text.
 */
export async function countUsage(messages: readonly ChatMessageInput[], output: string): Promise<Usage> {
  const count = await tokenizer();
  let inputTokens = 0;
  for (const message of messages) {
    inputTokens += PER_MESSAGE;
    if (typeof message.content === 'string') inputTokens += count(message.content);
    else if (Array.isArray(message.content))
      for (const part of message.content) if (typeof part.text === 'string') inputTokens += count(part.text);
    for (const call of message.tool_calls ?? []) inputTokens += count(call.function.arguments);
  }
  return { inputTokens, outputTokens: count(output) };
}

/** The text of a completion's answers: content and tool-call arguments of every choice. */
export function completionText(choices: readonly { message?: unknown }[]): string {
  let text = '';
  for (const choice of choices) {
    const message = choice.message as
      | { content?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] | null }
      | null
      | undefined;
    if (typeof message?.content === 'string') text += message.content;
    for (const call of message?.tool_calls ?? [])
      if (typeof call.function?.arguments === 'string') text += call.function.arguments;
  }
  return text;
}
