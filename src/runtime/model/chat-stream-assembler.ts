import type { ChatResult, TokenUsage, ToolCall } from '../ports.ts';
import { type ChatCompletionChunk, fallbackToolCallId, toTokenUsage } from './chat-completion-wire.ts';

interface PartialToolCall {
  id: string;
  name: string;
  arguments: string[];
}

/**
 * Builds one ChatResult from streamed chunks: text deltas are concatenated (and handed to
 * `onToken` as they come), tool calls are assembled by their `index` with argument fragments
 * concatenated, and the finish reason and usage are taken from whichever chunk carries them.
 * Only choice 0 is read: we never ask for `n > 1`.
 */
export class ChatStreamAssembler {
  readonly #onToken: (delta: string) => void;
  readonly #content: string[] = [];
  readonly #toolCalls = new Map<number, PartialToolCall>();
  #lastToolIndex = -1;
  #finishReason: string | undefined;
  #usage: TokenUsage | undefined;
  /** Whether anything of the answer itself (text or tool call) has arrived. */
  delivered = false;

  constructor(onToken: (delta: string) => void) {
    this.#onToken = onToken;
  }

  get finished(): boolean {
    return this.#finishReason !== undefined;
  }

  add(chunk: ChatCompletionChunk): void {
    if (chunk.usage) this.#usage = toTokenUsage(chunk.usage);
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue;
      if (choice.finish_reason) this.#finishReason = choice.finish_reason;
      const delta = choice.delta;
      if (!delta) continue;
      for (const fragment of delta.tool_calls ?? []) {
        this.delivered = true;
        // Without an index, a fragment with an id starts a new call; one without continues the last.
        const index =
          fragment.index ??
          (fragment.id || this.#lastToolIndex < 0 ? this.#lastToolIndex + 1 : this.#lastToolIndex);
        this.#lastToolIndex = Math.max(this.#lastToolIndex, index);
        let call = this.#toolCalls.get(index);
        if (!call) {
          call = { id: '', name: '', arguments: [] };
          this.#toolCalls.set(index, call);
        }
        if (fragment.id) call.id = fragment.id;
        // The name comes once, in a call's first fragment; some servers repeat it, so keep the first.
        if (fragment.function?.name && !call.name) call.name = fragment.function.name;
        if (fragment.function?.arguments) call.arguments.push(fragment.function.arguments);
      }
      if (delta.content) {
        this.delivered = true;
        this.#content.push(delta.content);
        this.#onToken(delta.content);
      }
    }
  }

  result(): ChatResult {
    const toolCalls: ToolCall[] = [...this.#toolCalls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({
        id: call.id || fallbackToolCallId(index),
        type: 'function',
        function: { name: call.name, arguments: call.arguments.join('') },
      }));
    return {
      message: {
        role: 'assistant',
        content: this.#content.length > 0 ? this.#content.join('') : null,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      },
      finishReason: this.#finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
      usage: this.#usage ?? { inputTokens: 0, outputTokens: 0 },
    };
  }
}
