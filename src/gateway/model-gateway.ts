import type { IncomingMessage } from 'node:http';
import type { Span, Tracer } from '@opentelemetry/api';
import { NO_TELEMETRY } from '../core/index.ts';
import { replayAsStream, StreamAssembler } from './cache/index.ts';
import { CacheTier, replayCompletion } from './cache-tier.ts';
import { INPUT_MESSAGES, OUTPUT_MESSAGES, tracedCall } from './call-span.ts';
import type { CallOptions, ChatResponse, ModelGatewayOptions, Served } from './gateway-options.ts';

export type { CallOptions, ChatResponse, ModelGatewayOptions, Served } from './gateway-options.ts';

import { relayChatStream } from './chat-stream-relay.ts';
import {
  ChatCompletionSchema,
  EmbeddingsResponseSchema,
  parseUpstream,
  restoreMessage,
  usageOf,
} from './completion-shapes.ts';
import { invocationRecorder } from './invocation-recorder.ts';
import { type ModelListEntry, modelList } from './model-list.ts';
import {
  degradedRoute,
  fallbackRoute,
  modelNotFound,
  type Route,
  reachableTargets,
  resolveRoute,
} from './model-resolver.ts';
import type { ChatCompletionRequest, EmbeddingsRequest } from './openai-wire.ts';
import { type PlainCall, type PlainCallDeps, plainCall } from './plain-call.ts';
import type {
  CatalogSource,
  GatewayAudit,
  GatewayCaller,
  Pseudonymizer,
  PseudonymSession,
  TenantCatalog,
  UsageGovernor,
} from './ports.ts';
import { type RerankRequest, RerankResponseSchema, rerankBody } from './rerank.ts';
import { type Opened, openRoute } from './route-attempts.ts';
import { BackendHealth, type RouteTarget } from './routing/index.ts';
import { SemanticLayer } from './semantic-layer.ts';
import { settlement } from './settlement.ts';
import { estimateChatTokens, estimateEmbeddingTokens, highestPrice } from './spend.ts';
import { completionText } from './token-count.ts';
import { chatBody, embeddingsBody } from './upstream-bodies.ts';
import { malformedUpstream } from './upstream-errors.ts';
import { UpstreamPool } from './upstream-exchange.ts';

const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const DEFAULT_CACHE_TTL_MS = 10 * 60_000;

/**
 * The OpenAI-compatible model gateway. A request names an alias, `backend/model` or a bare model;
 * the gateway resolves it in the caller's tenant, checks rate limits, answers from the response
 * cache when the request is deterministic, reserves the worst-case spend on every budget, then
 * opens the route (strategy order, retries, failover, circuit breakers, fallbacks) and passes the
 * answer through — streamed chunk by chunk — settling the actual spend and writing one audit
 * record when it has ended. `trust: external` backends see pseudonymized prompts; their answers
 * are restored.
 *
 * Throws `GatewayError` for everything the caller should see as an OpenAI error. Aborting
 * `signal` aborts the upstream request and rethrows its reason.
 */
export class ModelGateway {
  readonly #catalog: CatalogSource;
  readonly #pseudonymizer: Pseudonymizer;
  readonly #audit: GatewayAudit;
  readonly #governor: UsageGovernor | undefined;
  readonly #caching: CacheTier;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #maxResponseBytes: number;
  readonly #pool: UpstreamPool;
  readonly #tracer: Tracer;
  readonly #traceContent: boolean;
  readonly health: BackendHealth;

  constructor(options: ModelGatewayOptions) {
    this.#catalog = options.catalog;
    this.#pseudonymizer = options.pseudonymizer;
    this.#audit = options.audit;
    this.#governor = options.governor;
    this.#now = options.now ?? (() => performance.now());
    this.#random = options.random ?? Math.random;
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#pool = new UpstreamPool(this.#maxResponseBytes);
    this.#tracer = options.tracer ?? NO_TELEMETRY.tracer;
    this.#traceContent = options.traceContent ?? false;
    this.health = new BackendHealth({ now: this.#now });
    const onCacheError = options.onCacheError ?? (() => undefined);
    const semantic = options.semanticStore
      ? new SemanticLayer(
          options.semanticStore,
          (caller, model, text, signal) => this.#embed(caller, model, text, signal),
          onCacheError,
        )
      : undefined;
    this.#caching = new CacheTier(
      options.responseCache,
      semantic,
      options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS,
    );
  }

  /** The caller's models: aliases first, then `backend/model`, each in name order. */
  async models(tenantId: string, signal: AbortSignal): Promise<ModelListEntry[]> {
    return modelList(await this.#catalog.catalog(tenantId, signal));
  }

  /**
   * A chat completion, in an `LLM.Invoke` span (GenAI conventions; no prompt or completion text)
   * that ends when the answer or stream does; its `traceparent` goes to the backend.
   */
  chat(
    caller: GatewayCaller,
    request: ChatCompletionRequest,
    signal: AbortSignal,
    options: CallOptions = {},
  ): Promise<ChatResponse> {
    return tracedCall(this.#tracer, caller, 'chat', request.model, (span) =>
      this.#chat(caller, request, signal, options, span),
    );
  }

  async #chat(
    caller: GatewayCaller,
    request: ChatCompletionRequest,
    signal: AbortSignal,
    options: CallOptions,
    span: Span,
  ): Promise<ChatResponse> {
    const started = this.#now();
    if (this.#traceContent) span.setAttribute(INPUT_MESSAGES, JSON.stringify(request.messages));
    const { catalog, route } = await this.#route(caller.tenantId, request.model, options.pin ?? null, signal);
    const estimate = estimateChatTokens(request);
    const streaming = request.stream === true;
    const includeUsage = request.stream_options?.include_usage === true;
    const record = invocationRecorder(
      this.#audit,
      this.#now,
      caller,
      route.requested,
      'chat.completions',
      streaming,
      started,
      signal,
      span,
    );
    // A refusal (rate limit, budget) is a call too: it is audited.
    const refused = (error: unknown) => record.failed(error, route.requested, null);
    await this.#governor?.admit(caller, estimate, signal).catch(refused);

    const plan = await this.#caching.lookup(caller, request, route, options, signal);
    if (plan.hit) {
      const { completion, level, servedBy } = plan.hit;
      const served = { model: servedBy, cache: level };
      record.done({
        status: 200,
        error: null,
        usage: null,
        model: servedBy,
        cache: level,
        attempts: 0,
        costUsd: 0,
      });
      return streaming
        ? {
            kind: 'stream',
            stream: replayAsStream(completion, { includeUsage, model: request.model }),
            served,
          }
        : { kind: 'json', body: completion, served };
    }
    const cacheLevel = plan.level;

    // Priced at the dearest model the call may end on: a target, a fallback, the degraded route.
    const reserved = { tokens: estimate, usd: highestPrice(reachableTargets(catalog, route), estimate) };
    const hold = await this.#governor?.reserve(caller, reserved, signal).catch(refused);
    const effective = hold?.degrade ? this.#degraded(catalog, route) : route;
    const sessions = new Map<string, PseudonymSession>();
    let opened: Opened;
    try {
      opened = await openRoute(effective, {
        pool: this.#pool,
        health: this.health,
        random: this.#random,
        now: this.#now,
        resolveFallback: (name) => fallbackRoute(catalog, name),
        path: '/chat/completions',
        bodyFor: (target) =>
          JSON.stringify(chatBody(request, target, streaming, this.#sessions(sessions, target))),
        streaming,
        signal,
      });
    } catch (error) {
      hold?.release();
      record.failed(error, route.targets[0]?.id ?? route.requested, cacheLevel);
      throw error;
    }
    const { exchange, target, attempts } = opened;
    const session = sessions.get(target.id) ?? null;
    const settle = settlement({
      hold,
      reserved,
      record,
      backend: target.backend.spec,
      messages: request.messages,
      model: target.id,
      cache: cacheLevel,
      attempts,
    });
    const served = { model: target.id, cache: cacheLevel };
    if (streaming && isEventStream(exchange.response)) {
      const assembler = plan.write ? new StreamAssembler() : null;
      return {
        kind: 'stream',
        served,
        stream: relayChatStream(exchange.response, {
          backend: target.backend.name,
          model: request.model,
          call: exchange.call,
          cancel: exchange.cancel,
          session,
          includeUsage,
          maxEventChars: this.#maxResponseBytes,
          ...(assembler ? { onChunk: (chunk: Record<string, unknown>) => assembler.push(chunk) } : {}),
          onEnd: ({ usage, error, text }) => {
            exchange.close();
            if (this.#traceContent) span.setAttribute(OUTPUT_MESSAGES, text);
            settle(usage, error, 200, text);
            const assembled = error === null ? assembler?.result() : null;
            if (assembled) this.#caching.store(plan, assembled, target.id, caller.tenantId);
          },
        }),
      };
    }
    try {
      const text = await this.#pool.read(target.backend, exchange.response, exchange.call);
      const parsed = parseUpstream(ChatCompletionSchema, text);
      if (!parsed.ok) throw malformedUpstream(target.backend.name, parsed.problem);
      const completion = parsed.value;
      completion.model = request.model;
      if (session) for (const choice of completion.choices) restoreMessage(choice.message, session);
      span.setAttribute(
        'gen_ai.response.finish_reasons',
        completion.choices.map((choice) => String(choice.finish_reason ?? 'unknown')),
      );
      if (this.#traceContent) span.setAttribute(OUTPUT_MESSAGES, completionText(completion.choices));
      settle(usageOf(completion.usage), null, 200, completionText(completion.choices));
      this.#caching.store(plan, completion, target.id, caller.tenantId);
      // A backend that ignored `stream: true`: the caller still gets the stream it asked for.
      if (streaming)
        return { kind: 'stream', stream: replayCompletion(completion, includeUsage, request.model), served };
      return { kind: 'json', body: completion, served };
    } catch (error) {
      hold?.release();
      record.failed(error, target.id, cacheLevel);
      throw error;
    } finally {
      exchange.close();
    }
  }

  /** Embeddings, in an `LLM.Invoke` span (`gen_ai.operation.name` embeddings). */
  embeddings(
    caller: GatewayCaller,
    request: EmbeddingsRequest,
    signal: AbortSignal,
    options: CallOptions = {},
  ): Promise<{ body: Record<string, unknown>; served: Served }> {
    const call: PlainCall = {
      operation: 'embeddings',
      model: request.model,
      estimate: estimateEmbeddingTokens(request.input),
      path: '/embeddings',
      schema: EmbeddingsResponseSchema,
      bodyFor: (target, session) => embeddingsBody(request, target, session),
    };
    return tracedCall(this.#tracer, caller, 'embeddings', request.model, (span) =>
      plainCall(this.#plain(), caller, call, signal, options, span),
    );
  }

  /**
   * Re-ranking by a cross-encoder (`POST {endpoint}/rerank`, the vLLM / TEI / Jina / Cohere shape),
   * routed, limited, pseudonymized for external backends and audited like embeddings.
   */
  rerank(
    caller: GatewayCaller,
    request: RerankRequest,
    signal: AbortSignal,
    options: CallOptions = {},
  ): Promise<{ body: Record<string, unknown>; served: Served }> {
    const call: PlainCall = {
      operation: 'rerank',
      model: request.model,
      estimate: estimateEmbeddingTokens([request.query, ...request.documents]),
      path: '/rerank',
      schema: RerankResponseSchema,
      bodyFor: (target, session) => rerankBody(request, target, session),
    };
    return tracedCall(this.#tracer, caller, 'rerank', request.model, (span) =>
      plainCall(this.#plain(), caller, call, signal, options, span),
    );
  }

  /** What a plain call needs of the gateway. */
  #plain(): PlainCallDeps {
    return {
      audit: this.#audit,
      governor: this.#governor,
      now: this.#now,
      random: this.#random,
      pool: this.#pool,
      health: this.health,
      route: (tenantId, model, pin, signal) => this.#route(tenantId, model, pin, signal),
      session: (sessions, target) => this.#sessions(sessions, target),
    };
  }

  /** A prompt's embedding, through the gateway's own embeddings route (routed, limited, audited). */
  async #embed(caller: GatewayCaller, model: string, text: string, signal: AbortSignal): Promise<number[]> {
    const { body } = await this.embeddings(caller, { model, input: text }, signal);
    const vector = (body.data as { embedding?: unknown }[] | undefined)?.[0]?.embedding;
    if (!Array.isArray(vector) || !vector.every((value) => typeof value === 'number'))
      throw new Error(`embedding model ${model} answered no float vector`);
    return vector as number[];
  }

  /** Closes idle keep-alive sockets to backends. */
  close(): void {
    this.#pool.close();
  }

  async #route(
    tenantId: string,
    model: string,
    pin: string | null,
    signal: AbortSignal,
  ): Promise<{ catalog: TenantCatalog; route: Route }> {
    let catalog = await this.#catalog.catalog(tenantId, signal);
    let route = resolveRoute(catalog, model, pin);
    if (!route) {
      // The announcement of a backend applied a moment ago may still be on its way.
      const fresh = await this.#catalog.refresh(tenantId, signal);
      if (fresh) {
        catalog = fresh;
        route = resolveRoute(catalog, model, pin);
      }
    }
    if (!route) throw modelNotFound(model);
    return { catalog, route };
  }

  /** The alias's `degrade_to` route, when a soft budget limit is crossed; the route itself if none. */
  #degraded(catalog: TenantCatalog, route: Route): Route {
    return degradedRoute(catalog, route) ?? route;
  }

  /** One pseudonymization session per external target of a call (its answer is restored with it). */
  #sessions(sessions: Map<string, PseudonymSession>, target: RouteTarget): PseudonymSession | null {
    if (target.backend.spec.trust !== 'external') return null;
    let session = sessions.get(target.id);
    if (!session) {
      session = this.#pseudonymizer();
      sessions.set(target.id, session);
    }
    return session;
  }
}

function isEventStream(response: IncomingMessage): boolean {
  return (response.headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream');
}
