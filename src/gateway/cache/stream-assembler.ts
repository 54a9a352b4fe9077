import { z } from 'zod';

/** Delta fields that stream as text pieces and are concatenated; every other field is replaced. */
export const TEXT_DELTA_FIELDS = ['content', 'refusal', 'reasoning_content', 'reasoning'] as const;
const TEXT_FIELDS: ReadonlySet<string> = new Set(TEXT_DELTA_FIELDS);

const ToolCallDeltaSchema = z.looseObject({
  index: z.number().int().nonnegative().optional(),
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});
const DeltaSchema = z.looseObject({
  role: z.string().nullish(),
  tool_calls: z.array(ToolCallDeltaSchema).nullish(),
});
const ChunkSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        index: z.number().int().nonnegative().optional(),
        delta: DeltaSchema.nullish(),
        finish_reason: z.string().nullish(),
        logprobs: z.unknown().optional(),
      }),
    )
    .nullish(),
  usage: z.unknown().optional(),
  error: z.unknown().optional(),
});

interface ToolCallState {
  fields: Record<string, unknown>;
  function: Record<string, unknown>;
  arguments: string;
}

interface ChoiceState {
  fields: Record<string, unknown>;
  message: Record<string, unknown>;
  toolCalls: Map<number, ToolCallState>;
  lastToolCall: number;
  finishReason: string | null;
}

/**
 * Rebuilds the `chat.completion` a chat-completions stream delivered, chunk by chunk, as parsed
 * (`data: [DONE]` is not a chunk). Choices are kept apart by `index`; text deltas
 * ({@link TEXT_DELTA_FIELDS}) are concatenated; tool-call deltas are merged by their `index` with
 * `function.arguments` concatenated and `id`, `type`, `function.name` taken when given; other fields
 * (top-level, choice, delta) take the last value given, and a `null` never replaces a value; the
 * arrays of a choice's `logprobs` are concatenated. `usage`
 * is the last non-null one (the `include_usage` chunk). Each instance assembles one stream.
 */
export class StreamAssembler {
  readonly #top: Record<string, unknown> = {};
  readonly #choices = new Map<number, ChoiceState>();
  #usage: unknown = null;
  #failed = false;

  /** Adds one chunk. A chunk that is not a chunk object, or carries `error`, fails the assembly. */
  push(chunk: unknown): void {
    const parsed = ChunkSchema.safeParse(chunk);
    if (!parsed.success || (parsed.data.error !== undefined && parsed.data.error !== null)) {
      this.#failed = true;
      return;
    }
    const { choices, usage, error: _, object: __, ...top } = parsed.data;
    assignAll(this.#top, top);
    if (usage !== undefined && usage !== null) this.#usage = usage;
    for (const { index = 0, delta, finish_reason, logprobs, ...fields } of choices ?? []) {
      const state = this.#choice(index);
      assignAll(state.fields, fields);
      mergeLogprobs(state.fields, logprobs);
      if (typeof finish_reason === 'string') state.finishReason = finish_reason;
      if (delta) mergeDelta(state, delta);
    }
  }

  /**
   * The assembled completion, a fresh copy; null if a chunk failed the assembly, no choice arrived,
   * or any choice has no `finish_reason` yet (the stream ended mid-answer). `usage` is present only
   * if a chunk carried one; `message.content` is null if no text arrived.
   */
  result(): Record<string, unknown> | null {
    if (this.#failed || this.#choices.size === 0) return null;
    const choices: Record<string, unknown>[] = [];
    for (const [index, state] of [...this.#choices].sort(([a], [b]) => a - b)) {
      if (state.finishReason === null) return null;
      const message: Record<string, unknown> = { role: 'assistant', content: null, ...state.message };
      if (state.toolCalls.size > 0)
        message.tool_calls = [...state.toolCalls]
          .sort(([a], [b]) => a - b)
          .map(([, call]) => ({ ...call.fields, function: { ...call.function, arguments: call.arguments } }));
      choices.push({ index, message, ...state.fields, finish_reason: state.finishReason });
    }
    const completion: Record<string, unknown> = { object: 'chat.completion', ...this.#top, choices };
    if (this.#usage !== null) completion.usage = this.#usage;
    return structuredClone(completion);
  }

  #choice(index: number): ChoiceState {
    let state = this.#choices.get(index);
    if (!state) {
      state = { fields: {}, message: {}, toolCalls: new Map(), lastToolCall: -1, finishReason: null };
      this.#choices.set(index, state);
    }
    return state;
  }
}

function mergeDelta(state: ChoiceState, delta: z.infer<typeof DeltaSchema>): void {
  const { role, tool_calls, ...fields } = delta;
  if (role) state.message.role = role;
  for (const [key, value] of Object.entries(fields)) {
    const current = state.message[key];
    if (TEXT_FIELDS.has(key) && typeof value === 'string')
      state.message[key] = typeof current === 'string' ? current + value : value;
    else assign(state.message, key, value);
  }
  for (const call of tool_calls ?? []) mergeToolCall(state, call);
}

function mergeToolCall(state: ChoiceState, delta: z.infer<typeof ToolCallDeltaSchema>): void {
  // Some servers omit `index`: a delta with an id starts the next call, one without continues the last.
  const index =
    delta.index ?? (delta.id ? Math.max(state.lastToolCall + 1, state.toolCalls.size) : state.lastToolCall);
  const at = Math.max(index, 0);
  state.lastToolCall = at;
  let call = state.toolCalls.get(at);
  if (!call) {
    call = { fields: {}, function: {}, arguments: '' };
    state.toolCalls.set(at, call);
  }
  const { index: _, id, type, function: fn, ...fields } = delta;
  if (id) call.fields.id = id;
  if (type) call.fields.type = type;
  assignAll(call.fields, fields);
  if (!fn) return;
  const { name, arguments: piece, ...functionFields } = fn;
  if (name) call.function.name = name;
  if (typeof piece === 'string') call.arguments += piece;
  assignAll(call.function, functionFields);
}

/** Per-token logprobs arrive a few tokens per chunk: arrays (`content`, `refusal`) are concatenated. */
function mergeLogprobs(fields: Record<string, unknown>, logprobs: unknown): void {
  const current = fields.logprobs;
  if (!isRecord(logprobs) || !isRecord(current)) {
    assign(fields, 'logprobs', logprobs);
    return;
  }
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(logprobs)) {
    const before = merged[key];
    if (Array.isArray(before) && Array.isArray(value)) merged[key] = [...before, ...value];
    else assign(merged, key, value);
  }
  fields.logprobs = merged;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets `key` unless `value` is undefined, or null over a value already there. */
function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) return;
  if (value === null && target[key] !== undefined && target[key] !== null) return;
  target[key] = value;
}

function assignAll(target: Record<string, unknown>, fields: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(fields)) assign(target, key, value);
}
