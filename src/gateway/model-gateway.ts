import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { durationToMs } from '../contracts/index.ts';
import {
  CallScope,
  ConcurrencyLimiter,
  createKeepAliveAgents,
  DEFAULT_MODEL_TIMEOUT_MS,
  type HttpAgents,
  postJson,
  readBody,
} from '../runtime/index.ts';
import { relayChatStream } from './chat-stream-relay.ts';
import {
  ChatCompletionSchema,
  EmbeddingsResponseSchema,
  hideMessages,
  parseUpstream,
  restoreMessage,
  type Usage,
  usageOf,
} from './completion-shapes.ts';
import { modelId, type ResolvedModel, resolveModel } from './model-resolver.ts';
import type { ChatCompletionRequest, EmbeddingsRequest } from './openai-wire.ts';
import { GatewayError } from './openai-wire.ts';
import type {
  BackendDirectory,
  GatewayAudit,
  GatewayInvocation,
  Pseudonymizer,
  PseudonymSession,
} from './ports.ts';
import { malformedUpstream, upstreamCallError, upstreamStatusError } from './upstream-errors.ts';

const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface ModelGatewayOptions {
  directory: BackendDirectory;
  pseudonymizer: Pseudonymizer;
  audit: GatewayAudit;
  /** Milliseconds, for latency in the audit record. */
  now?: () => number;
  /** Largest non-streaming answer (and largest stream event) accepted; default 16 MiB. */
  maxResponseBytes?: number;
}

/** Who is calling, as far as the gateway cares. */
export interface GatewayCaller {
  tenantId: string;
  principal: string;
}

export type ChatResponse =
  | { kind: 'json'; body: Record<string, unknown> }
  | { kind: 'stream'; stream: ReadableStream<Uint8Array> };

export interface ModelListEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/**
 * The OpenAI-compatible model gateway, first slice: resolves the caller's `model` to one backend
 * of their tenant (see `resolveModel`) and passes the request through to it over keep-alive
 * node:http, with the backend's model name. `trust: external` backends see pseudonymized prompts;
 * their answers are restored. No retries or failover here: a failure is the caller's to see.
 *
 * Throws `GatewayError` for everything the caller should see as an OpenAI error: unknown model
 * (404), upstream 4xx (as sent), upstream 5xx / unreachable (502), no answer within the backend's
 * timeout (504). Aborting `signal` aborts the upstream request and rethrows its reason.
 */
export class ModelGateway {
  readonly #directory: BackendDirectory;
  readonly #pseudonymizer: Pseudonymizer;
  readonly #audit: GatewayAudit;
  readonly #now: () => number;
  readonly #maxResponseBytes: number;
  readonly #agents: HttpAgents = createKeepAliveAgents();
  readonly #limiters = new Map<string, ConcurrencyLimiter>();

  constructor(options: ModelGatewayOptions) {
    this.#directory = options.directory;
    this.#pseudonymizer = options.pseudonymizer;
    this.#audit = options.audit;
    this.#now = options.now ?? (() => performance.now());
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  /** The caller's models, `backend/model`, in backend then model order. */
  async models(tenantId: string, signal: AbortSignal): Promise<ModelListEntry[]> {
    const backends = await this.#directory.list(tenantId, signal);
    return backends.flatMap((backend) =>
      backend.spec.models.map((model) => ({
        id: modelId(backend.name, model),
        object: 'model' as const,
        created: Math.floor(backend.createdAt.getTime() / 1000),
        owned_by: backend.name,
      })),
    );
  }

  async chat(
    caller: GatewayCaller,
    request: ChatCompletionRequest,
    signal: AbortSignal,
  ): Promise<ChatResponse> {
    const started = this.#now();
    const resolved = await resolveModel(this.#directory, caller.tenantId, request.model, signal);
    const session = resolved.backend.spec.trust === 'external' ? this.#pseudonymizer() : null;
    const streaming = request.stream === true;
    const body = {
      ...request,
      model: resolved.upstreamModel,
      ...(session ? { messages: hideMessages(request.messages, session) } : {}),
    };
    const record = this.#recorder(caller, resolved, 'chat.completions', streaming, started);
    const exchange = await this.#exchange(resolved, '/chat/completions', body, streaming, signal, record);
    const { response, call, release, cancel } = exchange;
    if (streaming && isEventStream(response)) {
      return {
        kind: 'stream',
        stream: relayChatStream(response, {
          backend: resolved.backend.name,
          model: request.model,
          call,
          cancel,
          session,
          maxEventChars: this.#maxResponseBytes,
          onEnd: ({ usage, error }) => {
            release();
            record(200, error, usage);
          },
        }),
      };
    }
    try {
      const text = await this.#read(resolved, response, call);
      const parsed = parseUpstream(ChatCompletionSchema, text);
      if (!parsed.ok) throw malformedUpstream(resolved.backend.name, parsed.problem);
      const completion = parsed.value;
      completion.model = request.model;
      if (session) for (const choice of completion.choices) restoreMessage(choice.message, session);
      record(200, null, usageOf(completion.usage));
      return { kind: 'json', body: completion };
    } catch (error) {
      throw this.#failed(error, resolved, call, record);
    } finally {
      call.dispose();
      release();
    }
  }

  async embeddings(
    caller: GatewayCaller,
    request: EmbeddingsRequest,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const started = this.#now();
    const resolved = await resolveModel(this.#directory, caller.tenantId, request.model, signal);
    const session = resolved.backend.spec.trust === 'external' ? this.#pseudonymizer() : null;
    const body = { ...request, model: resolved.upstreamModel, input: hideInput(request.input, session) };
    const record = this.#recorder(caller, resolved, 'embeddings', false, started);
    const { response, call, release } = await this.#exchange(
      resolved,
      '/embeddings',
      body,
      false,
      signal,
      record,
    );
    try {
      const parsed = parseUpstream(EmbeddingsResponseSchema, await this.#read(resolved, response, call));
      if (!parsed.ok) throw malformedUpstream(resolved.backend.name, parsed.problem);
      parsed.value.model = request.model;
      record(200, null, usageOf(parsed.value.usage));
      return parsed.value;
    } catch (error) {
      throw this.#failed(error, resolved, call, record);
    } finally {
      call.dispose();
      release();
    }
  }

  /** Closes idle keep-alive sockets to backends. */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  /**
   * Sends the request and waits for a 2xx status line; a non-2xx answer is read and thrown as the
   * caller's error. On success the caller owns `call` and `release` (dispose / call them once).
   */
  async #exchange(
    resolved: ResolvedModel,
    path: string,
    body: object,
    streaming: boolean,
    signal: AbortSignal,
    record: Recorder,
  ): Promise<{ response: IncomingMessage; call: CallScope; release: () => void; cancel: () => void }> {
    const { spec, name } = resolved.backend;
    const timeoutMs = spec.timeout ? durationToMs(spec.timeout) : DEFAULT_MODEL_TIMEOUT_MS;
    const cancelled = new AbortController();
    const call = new CallScope(AbortSignal.any([signal, cancelled.signal]), timeoutMs);
    let release: () => void = () => undefined;
    try {
      if (spec.maxConcurrency !== undefined)
        release = await this.#limiter(name, spec.maxConcurrency).acquire(call.signal);
      const headers: OutgoingHttpHeaders = { accept: streaming ? 'text/event-stream' : 'application/json' };
      const url = new URL(`${spec.endpoint.replace(/\/+$/, '')}${path}`);
      const response = await postJson(url, JSON.stringify(body), headers, this.#agents, call.signal);
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300)
        throw upstreamStatusError(name, status, await this.#read(resolved, response, call));
      return { response, call, release, cancel: () => cancelled.abort(new Error('client disconnected')) };
    } catch (error) {
      call.dispose();
      release();
      throw this.#failed(error, resolved, call, record, timeoutMs);
    }
  }

  async #read(resolved: ResolvedModel, response: IncomingMessage, call: CallScope): Promise<string> {
    try {
      return await readBody(response, this.#maxResponseBytes);
    } catch (error) {
      if (call.timedOut || call.callerAborted) throw error;
      throw malformedUpstream(resolved.backend.name, (error as Error).message);
    }
  }

  #failed(
    error: unknown,
    resolved: ResolvedModel,
    call: CallScope,
    record: Recorder,
    timeoutMs?: number,
  ): unknown {
    const limit =
      timeoutMs ??
      (resolved.backend.spec.timeout
        ? durationToMs(resolved.backend.spec.timeout)
        : DEFAULT_MODEL_TIMEOUT_MS);
    const mapped = upstreamCallError(resolved.backend.name, error, call, limit);
    if (mapped instanceof GatewayError) record(mapped.status, mapped.message, null);
    else record(499, 'client disconnected', null);
    return mapped;
  }

  #limiter(backend: string, limit: number): ConcurrencyLimiter {
    let limiter = this.#limiters.get(backend);
    if (!limiter) {
      limiter = new ConcurrencyLimiter(limit);
      this.#limiters.set(backend, limiter);
    } else limiter.limit = limit;
    return limiter;
  }

  /** Records the call once, whichever way it ends. */
  #recorder(
    caller: GatewayCaller,
    resolved: ResolvedModel,
    operation: GatewayInvocation['operation'],
    stream: boolean,
    started: number,
  ): Recorder {
    let done = false;
    return (status, error, usage) => {
      if (done) return;
      done = true;
      this.#audit({
        tenantId: caller.tenantId,
        principal: caller.principal,
        model: resolved.id,
        operation,
        stream,
        status,
        error,
        inputTokens: usage?.inputTokens ?? null,
        outputTokens: usage?.outputTokens ?? null,
        latencyMs: Math.round((this.#now() - started) * 100) / 100,
      });
    };
  }
}

type Recorder = (status: number, error: string | null, usage: Usage | null) => void;

function isEventStream(response: IncomingMessage): boolean {
  return (response.headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream');
}

function hideInput(
  input: EmbeddingsRequest['input'],
  session: PseudonymSession | null,
): EmbeddingsRequest['input'] {
  if (!session) return input;
  if (typeof input === 'string') return session.hide(input);
  if (input.every((item) => typeof item === 'string'))
    return (input as string[]).map((item) => session.hide(item));
  return input;
}
