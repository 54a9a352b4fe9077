import { parseJson } from '../contracts/index.ts';
import {
  ChatCompletionRequestSchema,
  type ChatResponse,
  GatewayError,
  type ModelGateway,
  parseRequest,
} from '../gateway/index.ts';
import {
  type ChatMessage,
  type ChatOptions,
  type ChatRequest,
  type ChatResult,
  type ModelClient,
  ModelRequestError,
  type ModelTarget,
  ModelUnavailableError,
  SseDecoder,
  type ToolCall,
} from '../runtime/index.ts';

/**
 * Model calls of runs whose agent names a model alias, through the model gateway in process: the
 * alias's routing, failover, caches, the tenant's budgets (per agent and per run too) and the
 * `llm_invoke` audit record, as for any other caller. Targets without `gateway` go to `direct`.
 * Gateway errors become the runtime's: a 4xx (a spent budget included) is a `ModelRequestError`,
 * anything else `ModelUnavailableError` (the run's model_unavailable handling applies).
 */
export class GatewayModelClient implements ModelClient {
  constructor(
    private readonly gateway: ModelGateway,
    private readonly direct: ModelClient,
    /** The sensitivity of what the run's context holds (its retrieved knowledge): the cache keys on it. */
    private readonly sensitivityOf?: (
      tenantId: string,
      runId: string,
      signal: AbortSignal,
    ) => Promise<number>,
  ) {}

  async chat(target: ModelTarget, request: ChatRequest, options: ChatOptions): Promise<ChatResult> {
    const route = target.gateway;
    if (!route) return this.direct.chat(target, request, options);
    const streaming = options.onToken !== undefined;
    const body = parseRequest(ChatCompletionRequestSchema, {
      model: route.model,
      messages: request.messages,
      ...(request.tools && request.tools.length > 0 ? { tools: request.tools } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
      ...(streaming ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
    let response: ChatResponse;
    try {
      const sensitivity =
        this.sensitivityOf && route.runId
          ? await this.sensitivityOf(route.tenantId, route.runId, options.signal)
          : 1;
      response = await this.gateway.chat(
        { tenantId: route.tenantId, principal: route.principal, agent: route.agent, runId: route.runId },
        body,
        options.signal,
        { sensitivity },
      );
    } catch (error) {
      throw asRuntimeError(route.model, error);
    }
    if (response.kind === 'json') return fromCompletion(route.model, response.body);
    return readStream(route.model, response.stream, options.onToken);
  }
}

/** The gateway's own refusals: the run asked for more than its rules allow. */
const REFUSALS = new Set(['budget_exceeded', 'rate_limit_exceeded']);

function asRuntimeError(model: string, error: unknown): unknown {
  if (!(error instanceof GatewayError)) return error;
  // A 429 from the backends themselves (after every retry) means no model could answer now.
  const refused =
    error.status === 429 ? REFUSALS.has(error.code ?? '') : error.status >= 400 && error.status < 500;
  if (refused && error.status !== 408) return new ModelRequestError(model, error.status, error.message);
  return new ModelUnavailableError(model, error.message, { cause: error });
}

type Completion = {
  choices?: { message?: Partial<ChatMessage>; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
};

function fromCompletion(model: string, body: Record<string, unknown>): ChatResult {
  const completion = body as Completion;
  const choice = completion.choices?.[0];
  if (!choice?.message) throw new ModelRequestError(model, 502, `model ${model} answered no choice`);
  const message: ChatMessage = {
    role: 'assistant',
    content: choice.message.content ?? null,
    ...(choice.message.tool_calls && choice.message.tool_calls.length > 0
      ? { tool_calls: choice.message.tool_calls }
      : {}),
  };
  return {
    message,
    finishReason: choice.finish_reason ?? 'stop',
    usage: {
      inputTokens: completion.usage?.prompt_tokens ?? 0,
      outputTokens: completion.usage?.completion_tokens ?? 0,
    },
  };
}

/** Reads the gateway's SSE stream: text deltas to `onToken`, tool calls merged, usage kept. */
async function readStream(
  model: string,
  stream: ReadableStream<Uint8Array>,
  onToken: ((delta: string) => void) | undefined,
): Promise<ChatResult> {
  const decoder = new SseDecoder(16 * 1024 * 1024);
  const text = new TextDecoder();
  const calls = new Map<number, ToolCall>();
  let content = '';
  let finishReason = 'stop';
  let usage = { inputTokens: 0, outputTokens: 0 };
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    const events = done ? decoder.end() : decoder.push(text.decode(value, { stream: true }));
    for (const event of events) {
      if (event.data === '[DONE]') continue;
      const parsed = parseJson(event.data);
      if (!parsed.ok) throw new ModelUnavailableError(model, `model ${model} sent an unreadable chunk`);
      const chunk = parsed.value as {
        error?: { message?: string };
        choices?: {
          delta?: { content?: string | null; tool_calls?: (Partial<ToolCall> & { index?: number })[] };
          finish_reason?: string | null;
        }[];
        usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
      };
      if (chunk.error) throw new ModelUnavailableError(model, chunk.error.message ?? 'the stream failed');
      if (chunk.usage)
        usage = {
          inputTokens: chunk.usage.prompt_tokens ?? 0,
          outputTokens: chunk.usage.completion_tokens ?? 0,
        };
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.finish_reason) finishReason = choice.finish_reason;
      const delta = choice.delta;
      if (delta?.content) {
        content += delta.content;
        onToken?.(delta.content);
      }
      for (const part of delta?.tool_calls ?? []) {
        const index = part.index ?? 0;
        const call = calls.get(index) ?? {
          id: '',
          type: 'function' as const,
          function: { name: '', arguments: '' },
        };
        if (part.id) call.id = part.id;
        if (part.function?.name) call.function.name += part.function.name;
        if (part.function?.arguments) call.function.arguments += part.function.arguments;
        calls.set(index, call);
      }
    }
    if (done) break;
  }
  const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  return {
    message: {
      role: 'assistant',
      content: content === '' && toolCalls.length > 0 ? null : content,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
    finishReason,
    usage,
  };
}
