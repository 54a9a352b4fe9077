import { z } from 'zod';
import { parseJson } from '../../contracts/index.ts';
import type { ChatRequest, ChatResult, TokenUsage, ToolCall } from '../ports.ts';

/**
 * The OpenAI chat-completions wire format, as far as we read it. Upstream schemas are permissive
 * (unknown fields are dropped, optional ones may be null or absent, tool-call arguments may come as
 * an object from servers that deviate) but never trusted: anything we use is checked.
 */

const UsageSchema = z
  .object({
    prompt_tokens: z.number().nonnegative().nullish(),
    completion_tokens: z.number().nonnegative().nullish(),
  })
  .nullish();

const ToolCallSchema = z.object({
  id: z.string().nullish(),
  function: z.object({
    name: z.string(),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
  }),
});

export const ChatCompletionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z.array(ToolCallSchema).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: UsageSchema,
});
export type ChatCompletion = z.infer<typeof ChatCompletionSchema>;

const ErrorObjectSchema = z.object({ message: z.string() });

export const ChatCompletionChunkSchema = z.object({
  choices: z
    .array(
      z.object({
        index: z.number().nullish(),
        delta: z
          .object({
            content: z.string().nullish(),
            tool_calls: z
              .array(
                z.object({
                  index: z.number().int().nonnegative().nullish(),
                  id: z.string().nullish(),
                  function: z
                    .object({ name: z.string().nullish(), arguments: z.string().nullish() })
                    .nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: UsageSchema,
  // OpenAI and vLLM report a failure after the stream started as a chunk carrying `error`.
  error: z.union([ErrorObjectSchema, z.string()]).nullish(),
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunkSchema>;

/** `{error: {message}}` (OpenAI, vLLM), `{error: "..."}` (Ollama), `{message}` or `{detail}`. */
const UpstreamErrorSchema = z.union([
  z.object({ error: z.union([ErrorObjectSchema, z.string()]) }),
  z.object({ message: z.string() }),
  z.object({ detail: z.string() }),
]);

export type WireParse<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The one place upstream JSON is read: syntax, then shape; failures are values, never thrown. */
export function parseUpstreamJson<S extends z.ZodType>(schema: S, text: string): WireParse<z.output<S>> {
  const json = parseJson(text);
  if (!json.ok) return { ok: false, problem: `not JSON (${json.error})` };
  const result = schema.safeParse(json.value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, problem: issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid' };
}

const MAX_ERROR_MESSAGE_CHARS = 500;

/** A human-readable message from an upstream error body, whatever its shape. */
export function upstreamErrorMessage(status: number, body: string): string {
  const parsed = parseUpstreamJson(UpstreamErrorSchema, body);
  let message: string;
  if (!parsed.ok) message = body.trim();
  else if ('error' in parsed.value)
    message = typeof parsed.value.error === 'string' ? parsed.value.error : parsed.value.error.message;
  else if ('message' in parsed.value) message = parsed.value.message;
  else message = parsed.value.detail;
  if (message === '') return `upstream answered ${status}`;
  return message.length > MAX_ERROR_MESSAGE_CHARS ? `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}…` : message;
}

export function chunkErrorMessage(error: NonNullable<ChatCompletionChunk['error']>): string {
  return typeof error === 'string' ? error : error.message;
}

/** The request body; `stream_options.include_usage` makes the last chunk carry token usage. */
export function toWireBody(request: ChatRequest, stream: boolean): string {
  return JSON.stringify({
    model: request.model,
    messages: request.messages,
    ...(request.tools && request.tools.length > 0 ? { tools: request.tools } : {}),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  });
}

export function toTokenUsage(usage: z.infer<typeof UsageSchema>): TokenUsage {
  return { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 };
}

/** Some servers omit tool-call ids; the tool protocol needs one to pair results with calls. */
export const fallbackToolCallId = (index: number) => `call_${index}`;

export function toChatResult(completion: ChatCompletion): ChatResult {
  // `min(1)` in the schema guarantees a first choice.
  const choice = completion.choices[0] as ChatCompletion['choices'][number];
  const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).map((call, index) => ({
    id: call.id || fallbackToolCallId(index),
    type: 'function',
    function: {
      name: call.function.name,
      arguments:
        typeof call.function.arguments === 'string'
          ? call.function.arguments
          : JSON.stringify(call.function.arguments ?? {}),
    },
  }));
  return {
    message: {
      role: 'assistant',
      content: choice.message.content ?? null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
    finishReason: choice.finish_reason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: toTokenUsage(completion.usage),
  };
}
