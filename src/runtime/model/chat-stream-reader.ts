import type { IncomingMessage } from 'node:http';
import { type ChatResult, ModelRequestError, ModelUnavailableError } from '../ports.ts';
import { ChatCompletionChunkSchema, chunkErrorMessage, parseUpstreamJson } from './chat-completion-wire.ts';
import { ChatStreamAssembler } from './chat-stream-assembler.ts';
import { readText } from './http-exchange.ts';
import { SseDecoder, type SseEvent, SseTooLargeError } from './sse-decoder.ts';
import { malformedResponse, RetryableFailure } from './upstream-failure.ts';

export interface ChatStreamOptions {
  backend: string;
  onToken: (delta: string) => void;
  /** Called for each event once part of the answer has arrived: the call's idle clock. */
  onProgress: () => void;
  maxEventChars: number;
}

/**
 * Reads an OpenAI chat-completions SSE body into one ChatResult, handing text deltas to `onToken`
 * as they arrive; `data: [DONE]` ends it. Failures:
 * - a chunk that is not a chunk, or one carrying `error` → `ModelRequestError` 502;
 * - the connection fails, or the body ends unfinished (no `[DONE]`, no finish reason), before any of
 *   the answer arrived → `RetryableFailure` (nothing was delivered, so another attempt is safe);
 *   after → `ModelUnavailableError`, since a retry would repeat tokens already handed on;
 * - `onToken` throws → that error, and the response is destroyed.
 */
export async function readChatStream(
  response: IncomingMessage,
  options: ChatStreamOptions,
): Promise<ChatResult> {
  const { backend } = options;
  const decoder = new SseDecoder(options.maxEventChars);
  const assembler = new ChatStreamAssembler(options.onToken);
  let sawDone = false;
  // Errors of our own making (bad chunk, onToken threw) are told apart from the connection's.
  let processingError: unknown;

  const handle = (events: readonly SseEvent[]): boolean => {
    for (const event of events) {
      if (event.data === '[DONE]') {
        sawDone = true;
        return true;
      }
      const parsed = parseUpstreamJson(ChatCompletionChunkSchema, event.data);
      if (!parsed.ok) throw malformedResponse(backend, `stream chunk ${parsed.problem}`);
      const upstreamError = parsed.value.error;
      if (upstreamError || event.event === 'error') {
        const detail = upstreamError ? chunkErrorMessage(upstreamError) : event.data;
        throw new ModelRequestError(backend, 502, `model backend "${backend}" failed mid-stream: ${detail}`);
      }
      assembler.add(parsed.value);
      if (assembler.delivered) options.onProgress();
    }
    return false;
  };
  const guarded = (events: () => readonly SseEvent[]): boolean => {
    try {
      return handle(events());
    } catch (error) {
      processingError = error;
      throw error;
    }
  };

  try {
    await readText(response, (text) => guarded(() => decoder.push(text)));
    if (!sawDone) guarded(() => decoder.end());
  } catch (error) {
    if (error instanceof SseTooLargeError) throw malformedResponse(backend, error.message);
    if (error === processingError) throw error;
    if (!assembler.delivered)
      throw new RetryableFailure('stream broke before any of the answer arrived', 'failure', undefined, {
        cause: error,
      });
    throw new ModelUnavailableError(backend, `model backend "${backend}" stream broke mid-answer`, {
      cause: error,
    });
  }
  if (!sawDone && !assembler.finished) {
    if (!assembler.delivered) throw new RetryableFailure('stream ended before any of the answer', 'failure');
    throw new ModelUnavailableError(backend, `model backend "${backend}" stream ended mid-answer`);
  }
  return assembler.result();
}
