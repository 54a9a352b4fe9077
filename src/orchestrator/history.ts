import { newestWithinTokens } from '../core/index.ts';
import type { ChatMessage } from '../runtime/index.ts';

/** A run input or output as one message's text (the last user message of a chat input). */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'messages' in value && Array.isArray(value.messages)) {
    const last = [...value.messages].reverse().find((m: { role?: string }) => m.role === 'user') as
      | { content?: unknown }
      | undefined;
    return typeof last?.content === 'string' ? last.content : JSON.stringify(value);
  }
  return JSON.stringify(value);
}

/** A session's messages as model history, the newest that fit `maxTokens` (≈4 characters a token). */
export function historyOf(
  messages: Array<{ role: string; content: unknown }>,
  maxTokens: number | undefined,
): ChatMessage[] {
  return newestWithinTokens(
    messages.map((m) => ({ role: m.role as ChatMessage['role'], content: textOf(m.content) })),
    maxTokens,
  );
}
