import type { IncomingMessage } from 'node:http';
import { type CallScope, SseDecoder, type SseEvent } from '../runtime/index.ts';
import {
  ChatCompletionChunkSchema,
  parseUpstream,
  restoreMessage,
  type Usage,
  usageOf,
} from './completion-shapes.ts';
import type { OpenAIErrorObject } from './openai-wire.ts';
import { PlaceholderHoldback } from './placeholder-holdback.ts';
import type { PseudonymSession } from './ports.ts';
import { MAX_COUNTED_CHARS } from './token-count.ts';

export interface RelayOptions {
  backend: string;
  /** The model id the caller asked for: every chunk's `model`. */
  model: string;
  call: CallScope;
  /** Aborts the upstream request when the caller goes away. */
  cancel: () => void;
  session: PseudonymSession | null;
  maxEventChars: number;
  /**
   * The caller asked for `stream_options.include_usage`. The gateway always asks the backend for
   * usage (it needs it for accounting); when the caller did not, the usage chunk is not passed on.
   */
  includeUsage: boolean;
  /** Each chunk as the caller gets it (placeholders restored), e.g. to assemble it for the cache. */
  onChunk?: (chunk: Record<string, unknown>) => void;
  /** Once, when the stream has ended for whatever reason. */
  /** `text`: the answer's text and tool arguments as sent (up to a million characters), for counting. */
  onEnd: (outcome: { usage: Usage | null; error: string | null; text: string }) => void;
}

const encoder = new TextEncoder();
const DONE = 'data: [DONE]\n\n';

/**
 * Passes an upstream chat-completions SSE body to the caller event by event, as each arrives: no
 * buffering beyond the event being assembled (events that arrived together leave together, in one
 * write). Each chunk gets the caller's model id (and, for an
 * external backend, its placeholders restored, delta by delta). Upstream backpressure follows the
 * caller's: the upstream socket pauses while the caller is not reading.
 *
 * The stream never ends as a silent success: a broken connection, a stall past the call's idle
 * limit, a malformed chunk or an upstream error chunk end it with `data: {"error": {...}}`; only
 * `data: [DONE]` (or a body that ended after its finish reason) ends it cleanly. Cancelling the
 * stream (the caller disconnected) aborts the upstream request.
 */
export function relayChatStream(
  response: IncomingMessage,
  options: RelayOptions,
): ReadableStream<Uint8Array> {
  const decoder = new SseDecoder(options.maxEventChars);
  const holdback = options.session ? new PlaceholderHoldback(options.session) : null;
  let sent = '';
  let usage: Usage | null = null;
  let finished = false;
  let ended = false;
  /** What the events handled so far say to the caller, not yet passed on. */
  let out = '';

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const flush = () => {
        if (out === '') return;
        controller.enqueue(encoder.encode(out));
        out = '';
      };
      const end = (error: string | null) => {
        if (ended) return;
        ended = true;
        response.removeAllListeners('data');
        response.destroy();
        if (error !== null) {
          const body: { error: OpenAIErrorObject } = {
            error: { message: error, type: 'upstream_error', param: null, code: 'upstream_stream_failed' },
          };
          out += `data: ${JSON.stringify(body)}\n\n`;
        }
        flush();
        controller.close();
        options.call.dispose();
        options.onEnd({ usage, error, text: sent });
      };
      const handle = (events: readonly SseEvent[]): void => {
        for (const event of events) {
          if (ended) return;
          if (event.data === '[DONE]') {
            out += DONE;
            end(null);
            return;
          }
          const parsed = parseUpstream(ChatCompletionChunkSchema, event.data);
          if (!parsed.ok) {
            end(`model backend "${options.backend}" sent a malformed chunk: ${parsed.problem}`);
            return;
          }
          const chunk = parsed.value;
          if (chunk.error !== undefined && chunk.error !== null) {
            end(`model backend "${options.backend}" failed mid-stream: ${errorText(chunk.error)}`);
            return;
          }
          if (event.event === 'error') {
            end(`model backend "${options.backend}" failed mid-stream: ${event.data}`);
            return;
          }
          chunk.model = options.model;
          usage = usageOf(chunk.usage) ?? usage;
          for (const [position, choice] of (chunk.choices ?? []).entries()) {
            const done = typeof choice.finish_reason === 'string';
            if (holdback && (choice.delta || done)) {
              choice.delta ??= {};
              const index = typeof choice.index === 'number' ? choice.index : position;
              const content = typeof choice.delta.content === 'string' ? choice.delta.content : '';
              const text = done
                ? holdback.push(index, content) + holdback.flush(index)
                : holdback.push(index, content);
              if (typeof choice.delta.content === 'string' || text !== '') choice.delta.content = text;
              restoreMessage({ tool_calls: choice.delta.tool_calls }, options.session as PseudonymSession);
            }
            if (typeof choice.finish_reason === 'string') finished = true;
            if (usage === null && sent.length < MAX_COUNTED_CHARS) sent += deltaText(choice.delta);
          }
          options.onChunk?.(chunk);
          if (!options.includeUsage && chunk.usage !== undefined) {
            if ((chunk.choices ?? []).length === 0) continue;
            delete chunk.usage;
          }
          out += `data: ${JSON.stringify(chunk)}\n\n`;
        }
        if (!ended) {
          flush();
          options.call.progress();
        }
      };
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        try {
          handle(decoder.push(text));
        } catch (error) {
          end(`model backend "${options.backend}" stream unreadable: ${(error as Error).message}`);
          return;
        }
        if (!ended && (controller.desiredSize ?? 1) <= 0) response.pause();
      });
      response.once('end', () => {
        if (ended) return;
        try {
          handle(decoder.end());
        } catch (error) {
          end(`model backend "${options.backend}" stream unreadable: ${(error as Error).message}`);
          return;
        }
        if (ended) return;
        // Some servers omit [DONE]; an answer that reached its finish reason is complete.
        if (finished) {
          out += DONE;
          end(null);
        } else end(`model backend "${options.backend}" ended the stream mid-answer`);
      });
      response.on('error', () => undefined);
      response.once('close', () => {
        if (ended) return;
        end(
          options.call.timedOut
            ? `model backend "${options.backend}" stream stalled`
            : `connection to model backend "${options.backend}" broke mid-stream`,
        );
      });
    },
    pull() {
      if (!ended && response.isPaused()) response.resume();
    },
    cancel() {
      if (ended) return;
      ended = true;
      options.cancel();
      response.destroy();
      options.call.dispose();
      options.onEnd({ usage, error: 'client disconnected', text: sent });
    },
  });
}

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : JSON.stringify(error);
}

function deltaText(delta: { content?: unknown; tool_calls?: unknown } | null | undefined): string {
  if (!delta) return '';
  let text = typeof delta.content === 'string' ? delta.content : '';
  if (Array.isArray(delta.tool_calls))
    for (const call of delta.tool_calls as { function?: { arguments?: unknown } }[])
      if (typeof call.function?.arguments === 'string') text += call.function.arguments;
  return text;
}
