/**
 * TEST DOUBLE of an external OpenAI-compatible model provider (OpenAI, vLLM, Ollama). It is not
 * part of the product: it stands in for a provider we do not run in tests, over a real HTTP server
 * on 127.0.0.1 (random port), so clients are exercised through real sockets, streaming included.
 *
 * Replies come, in order of precedence, from the queue (`enqueue`), the handler (`setHandler`),
 * then `defaultReply` (content "ok"). `POST /v1/chat/completions` answers JSON, or with
 * `stream: true` Server-Sent Events shaped like OpenAI's: a role chunk, content split into several
 * deltas, tool calls as an opening delta plus argument fragments, a finish chunk, a usage chunk
 * (when `stream_options.include_usage`), then `data: [DONE]`. Every SSE event is written in two
 * halves, so clients also meet events split across TCP segments.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export interface ScriptedUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ScriptedToolCall {
  name: string;
  arguments: object;
  id?: string;
}

export type ScriptedReply =
  | {
      content: string;
      usage?: ScriptedUsage;
      finishReason?: string;
      /** Streaming only: destroy the connection after this many content deltas. */
      failAfterDeltas?: number;
      /** Streaming only: wait this long before each content delta (a slow model). */
      deltaDelayMs?: number;
    }
  | { toolCalls: ScriptedToolCall[]; content?: string; usage?: ScriptedUsage }
  /** Answers `status` with `body` verbatim (default: an OpenAI error object); a 200 scripts a malformed answer. */
  | { status: number; retryAfter?: number; body?: string }
  /** `then` is a reply object, never a function, so a handler's promise of one is not a thenable. */
  | { delayMs: number; then: ScriptedReply }
  /** Never answers; the request ends when the client disconnects or the server closes. */
  | { hang: true };

const ChatCompletionRequestSchema = z.looseObject({
  model: z.string(),
  messages: z.array(
    z.looseObject({
      role: z.string(),
      content: z.string().nullish(),
      tool_call_id: z.string().optional(),
    }),
  ),
  tools: z.array(z.unknown()).optional(),
  temperature: z.number().optional(),
  max_tokens: z.number().optional(),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

export interface RecordedRequest {
  body: ChatCompletionRequest;
  headers: IncomingHttpHeaders;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
}

export type ScriptedHandler = (request: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>;

export interface ScriptedModelServer {
  /** Base URL ending in /v1, as a ModelBackend's endpoint. */
  readonly url: string;
  /** Every well-formed chat request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Every `POST /v1/embeddings` body received, in arrival order (answered with 4-d vectors). */
  readonly embeddingRequests: unknown[];
  readonly requestCount: number;
  /** Requests being answered right now, and the most there ever were at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Requests whose client went away before the reply was complete. */
  readonly disconnects: number;
  /** TCP connections accepted: fewer than requests when clients keep connections alive. */
  readonly connections: number;
  defaultReply: ScriptedReply;
  enqueue(...replies: ScriptedReply[]): void;
  /** Computes replies when the queue is empty; undefined removes the handler. */
  setHandler(handler: ScriptedHandler | undefined): void;
  close(): Promise<void>;
}

/** The last user message's text: the usual thing for a handler to echo. */
export function lastUserMessage(request: RecordedRequest): string {
  const user = request.body.messages.filter((message) => message.role === 'user').at(-1);
  return user?.content ?? '';
}

export async function startScriptedModelServer(): Promise<ScriptedModelServer> {
  const queue: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  const embeddingRequests: unknown[] = [];
  let handler: ScriptedHandler | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  let disconnects = 0;
  let served = 0;
  let connections = 0;

  const server = http.createServer((request, response) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    response.once('close', () => {
      inFlight -= 1;
      if (!response.writableFinished) disconnects += 1;
    });
    answer(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, String(error));
      else response.destroy();
    });
  });

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readAll(request);
    if (request.method === 'POST' && request.url === '/v1/embeddings') {
      answerEmbeddings(text, embeddingRequests, response);
      return;
    }
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      sendError(response, 404, `no route ${request.method} ${request.url}`);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      sendError(response, 400, 'request body is not JSON');
      return;
    }
    const parsed = ChatCompletionRequestSchema.safeParse(json);
    if (!parsed.success) {
      sendError(response, 400, `invalid chat request: ${parsed.error.message}`);
      return;
    }
    const recorded: RecordedRequest = {
      body: parsed.data,
      headers: request.headers,
      idempotencyKey: headerOf(request.headers['idempotency-key']),
      authorization: headerOf(request.headers.authorization),
    };
    requests.push(recorded);
    served += 1;
    const reply = queue.shift() ?? (handler ? await handler(recorded) : scripted.defaultReply);
    await play(reply, recorded, response, served);
  }

  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const scripted: ScriptedModelServer = {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    embeddingRequests,
    get requestCount() {
      return requests.length;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get disconnects() {
      return disconnects;
    },
    get connections() {
      return connections;
    },
    defaultReply: { content: 'ok' },
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    setHandler: (next) => {
      handler = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
  return scripted;
}

async function play(
  reply: ScriptedReply,
  request: RecordedRequest,
  response: ServerResponse,
  serial: number,
): Promise<void> {
  if ('hang' in reply) return; // Answers nothing; the client gives up, or close() cuts it off.
  if ('delayMs' in reply) {
    await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (response.socket?.destroyed ?? true) return;
    await play(reply.then, request, response, serial);
    return;
  }
  if ('status' in reply) {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
    if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
    response.writeHead(reply.status, headers);
    response.end(
      reply.body ??
        JSON.stringify({ error: { message: `scripted ${reply.status}`, type: 'scripted_error' } }),
    );
    return;
  }
  const completion = completionOf(reply, request, serial);
  if (request.body.stream) await stream(completion, request, response);
  else {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(toJsonCompletion(completion, request, serial)));
  }
}

interface Completion {
  contentDeltas: string[];
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: string;
  usage: ScriptedUsage;
  failAfterDeltas: number | undefined;
  deltaDelayMs: number | undefined;
}

function completionOf(
  reply: Extract<ScriptedReply, { content: string } | { toolCalls: ScriptedToolCall[] }>,
  request: RecordedRequest,
  serial: number,
): Completion {
  const contentDeltas = splitIntoDeltas(reply.content ?? '');
  const toolCalls =
    'toolCalls' in reply
      ? reply.toolCalls.map((call, index) => ({
          id: call.id ?? `call_${serial}_${index}`,
          name: call.name,
          arguments: JSON.stringify(call.arguments),
        }))
      : [];
  const promptTokens = request.body.messages
    .map((message) => (message.content ?? '').split(/\s+/).filter(Boolean).length)
    .reduce((a, b) => a + b, 0);
  return {
    contentDeltas,
    toolCalls,
    finishReason:
      ('finishReason' in reply ? reply.finishReason : undefined) ??
      (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: reply.usage ?? {
      prompt_tokens: promptTokens,
      completion_tokens: contentDeltas.length + toolCalls.length,
    },
    failAfterDeltas: 'failAfterDeltas' in reply ? reply.failAfterDeltas : undefined,
    deltaDelayMs: 'deltaDelayMs' in reply ? reply.deltaDelayMs : undefined,
  };
}

/** Word-sized pieces (whitespace kept), so a stream has several deltas that join back exactly. */
function splitIntoDeltas(content: string): string[] {
  return content.match(/\s*\S+\s*|\s+/g) ?? [];
}

function toJsonCompletion(completion: Completion, request: RecordedRequest, serial: number) {
  const content = completion.contentDeltas.join('');
  return {
    id: `chatcmpl-scripted-${serial}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1_000),
    model: request.body.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: content === '' && completion.toolCalls.length > 0 ? null : content,
          ...(completion.toolCalls.length > 0
            ? {
                tool_calls: completion.toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: call.arguments },
                })),
              }
            : {}),
        },
        finish_reason: completion.finishReason,
      },
    ],
    usage: {
      ...completion.usage,
      total_tokens: completion.usage.prompt_tokens + completion.usage.completion_tokens,
    },
  };
}

async function stream(
  completion: Completion,
  request: RecordedRequest,
  response: ServerResponse,
): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id: 'chatcmpl-scripted', object: 'chat.completion.chunk', model: request.body.model };
  const send = async (data: unknown) => {
    const event = `data: ${typeof data === 'string' ? data : JSON.stringify({ ...base, ...(data as object) })}\n\n`;
    const half = Math.floor(event.length / 2);
    response.write(event.slice(0, half));
    // Yield to the event loop so the halves tend to leave in separate TCP segments.
    await new Promise((resolve) => setImmediate(resolve));
    response.write(event.slice(half));
  };
  const delta = (value: object, finishReason: string | null = null) => ({
    choices: [{ index: 0, delta: value, finish_reason: finishReason }],
  });

  await send(delta({ role: 'assistant', content: '' }));
  for (const [index, piece] of completion.contentDeltas.entries()) {
    if (completion.failAfterDeltas !== undefined && index >= completion.failAfterDeltas) {
      // Close the connection after what was written has left (destroy could drop it), mid-body.
      response.socket?.end();
      return;
    }
    if (completion.deltaDelayMs) {
      await new Promise((resolve) => setTimeout(resolve, completion.deltaDelayMs));
      if (response.destroyed) return;
    }
    await send(delta({ content: piece }));
  }
  for (const [index, call] of completion.toolCalls.entries()) {
    await send(
      delta({
        tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
      }),
    );
    const middle = Math.ceil(call.arguments.length / 2);
    for (const fragment of [call.arguments.slice(0, middle), call.arguments.slice(middle)]) {
      await send(delta({ tool_calls: [{ index, function: { arguments: fragment } }] }));
    }
  }
  await send(delta({}, completion.finishReason));
  if (request.body.stream_options?.include_usage) await send({ choices: [], usage: completion.usage });
  await send('[DONE]');
  response.end();
}

function sendError(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
}

function readAll(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Embeddings: one deterministic 4-d vector per input string (its length, vowels, spaces, 1). */
function answerEmbeddings(text: string, recorded: unknown[], response: ServerResponse): void {
  const parsed = z
    .looseObject({ model: z.string(), input: z.union([z.string(), z.array(z.string())]) })
    .safeParse(
      (() => {
        try {
          return JSON.parse(text);
        } catch {
          return undefined;
        }
      })(),
    );
  if (!parsed.success) {
    sendError(response, 400, 'invalid embeddings request');
    return;
  }
  recorded.push(parsed.data);
  const inputs = typeof parsed.data.input === 'string' ? [parsed.data.input] : parsed.data.input;
  const vector = (value: string) => [
    value.length,
    (value.match(/[aeiou]/gi) ?? []).length,
    (value.match(/\s/g) ?? []).length,
    1,
  ];
  const tokens = inputs.reduce((sum, value) => sum + value.split(/\s+/).filter(Boolean).length, 0);
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      object: 'list',
      data: inputs.map((value, index) => ({ object: 'embedding', index, embedding: vector(value) })),
      model: parsed.data.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    }),
  );
}
