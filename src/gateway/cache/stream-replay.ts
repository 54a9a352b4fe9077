import { type StoredCompletion, StoredCompletionSchema } from './stored-completion.ts';

export interface ReplayOptions {
  /** The caller asked for `stream_options.include_usage`: end with a usage chunk. */
  includeUsage: boolean;
  /** The model id the caller named: every chunk's `model`. */
  model: string;
}

/** Characters of text or tool arguments per replayed chunk. */
export const REPLAY_PIECE_CHARS = 64;

const encoder = new TextEncoder();
const TOP_LEVEL_REPLAYED_ELSEWHERE = new Set(['id', 'object', 'created', 'model', 'choices', 'usage']);
const CHOICE_REPLAYED_ELSEWHERE = new Set(['index', 'message', 'finish_reason', 'logprobs']);
const MESSAGE_REPLAYED_ELSEWHERE = new Set(['role', 'content', 'tool_calls']);
const CALL_REPLAYED_ELSEWHERE = new Set(['id', 'type', 'function']);

/**
 * A stored completion as the OpenAI SSE stream that would have produced it: `data: {chunk}\n\n`
 * events of `chat.completion.chunk` objects, all with the completion's `id` and `created` and
 * `options.model`, ending with `data: [DONE]\n\n`. Per choice, in index order: a first chunk with
 * the role, `content: ''` (null if the stored content is null) and the message's other fields
 * (`refusal`, `annotations`, reasoning...) and the choice's `logprobs`; the text in pieces of
 * {@link REPLAY_PIECE_CHARS} characters (never splitting a surrogate pair); each tool call as a delta
 * with `index`, `id`, `type` and `function.name` and its arguments in pieces; then a chunk with the
 * `finish_reason` and the choice's other fields. With `includeUsage`, every chunk has `usage: null`
 * and a last chunk has `choices: []` and the stored `usage` (none if nothing was stored).
 *
 * Throws if the completion is not storable (see `isStorable`): only those can be replayed faithfully.
 */
export function replayAsStream(
  completion: Record<string, unknown>,
  options: ReplayOptions,
): ReadableStream<Uint8Array> {
  const events = replayChunks(completion, options).map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
  events.push('data: [DONE]\n\n');
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const event = events[next++];
      if (event === undefined) controller.close();
      else controller.enqueue(encoder.encode(event));
    },
  });
}

/** The chunk objects {@link replayAsStream} sends, in order, without the SSE framing. */
export function replayChunks(
  completion: Record<string, unknown>,
  options: ReplayOptions,
): Record<string, unknown>[] {
  const parsed = StoredCompletionSchema.safeParse(completion);
  if (!parsed.success) throw new TypeError(`completion cannot be replayed: ${parsed.error.message}`);
  const stored = parsed.data;
  const base: Record<string, unknown> = {
    id: stored.id,
    object: 'chat.completion.chunk',
    created: stored.created,
    model: options.model,
    ...omit(stored, TOP_LEVEL_REPLAYED_ELSEWHERE),
  };
  if (options.includeUsage) base.usage = null;
  const chunks: Record<string, unknown>[] = [];
  const choices = [...stored.choices].sort((a, b) => a.index - b.index);
  for (const choice of choices)
    for (const fields of choiceChunks(choice)) chunks.push({ ...base, choices: [fields] });
  const usage = (stored as Record<string, unknown>).usage;
  if (options.includeUsage && usage !== undefined && usage !== null)
    chunks.push({ ...base, choices: [], usage });
  return chunks;
}

type StoredChoice = StoredCompletion['choices'][number];

function choiceChunks(choice: StoredChoice): Record<string, unknown>[] {
  const { index, message } = choice;
  const chunk = (
    delta: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> => ({
    index,
    delta,
    ...extra,
    finish_reason: null,
  });
  const content = typeof message.content === 'string' ? message.content : null;
  const first: Record<string, unknown> = {
    role: message.role ?? 'assistant',
    content: content === null ? null : '',
    ...omit(message, MESSAGE_REPLAYED_ELSEWHERE),
  };
  const chunks = [chunk(first, 'logprobs' in choice ? { logprobs: choice.logprobs } : {})];
  for (const piece of splitText(content ?? '', REPLAY_PIECE_CHARS)) chunks.push(chunk({ content: piece }));
  (message.tool_calls ?? []).forEach((call, callIndex) => {
    const [head = '', ...rest] = splitText(call.function.arguments, REPLAY_PIECE_CHARS);
    const { name, arguments: _, ...functionRest } = call.function;
    chunks.push(
      chunk({
        tool_calls: [
          {
            index: callIndex,
            id: call.id,
            type: call.type,
            function: { ...functionRest, name, arguments: head },
            ...omit(call, CALL_REPLAYED_ELSEWHERE),
          },
        ],
      }),
    );
    for (const piece of rest)
      chunks.push(chunk({ tool_calls: [{ index: callIndex, function: { arguments: piece } }] }));
  });
  chunks.push({
    index,
    delta: {},
    ...omit(choice, CHOICE_REPLAYED_ELSEWHERE),
    finish_reason: choice.finish_reason,
  });
  return chunks;
}

/** The object's fields except `except`. */
function omit(value: Record<string, unknown>, except: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !except.has(key)));
}

/** `text` in pieces of at most `size` UTF-16 units, cut only between code points; none for ''. */
export function splitText(text: string, size: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    // A high surrogate at the cut would leave half a character in each piece.
    if (end < text.length && last >= 0xd800 && last <= 0xdbff && end - start > 1) end--;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
