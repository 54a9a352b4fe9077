import type { Tracer } from '@opentelemetry/api';
import type { ResponseCache } from './cache/index.ts';
import type { CatalogSource, GatewayAudit, Pseudonymizer, UsageGovernor } from './ports.ts';
import type { SemanticCacheStore } from './semantic-layer.ts';

export interface ModelGatewayOptions {
  catalog: CatalogSource;
  pseudonymizer: Pseudonymizer;
  audit: GatewayAudit;
  /** Budgets and rate limits; absent, nothing is limited. */
  governor?: UsageGovernor;
  /** The L1 / L2 response cache; absent, nothing is cached. */
  responseCache?: ResponseCache;
  /** The L3 semantic cache's store; absent, aliases' `cache.semantic` is ignored. */
  semanticStore?: SemanticCacheStore;
  /** Told of cache failures (L3 embedding or store), which are otherwise misses. Must not throw. */
  onCacheError?: (error: unknown) => void;
  /** How long a cached answer is served when the alias does not say; default 10 min. */
  cacheTtlMs?: number;
  /** Milliseconds on a monotonic clock: latency, breakers. */
  now?: () => number;
  random?: () => number;
  /** Largest non-streaming answer (and largest stream event) accepted; default 16 MiB. */
  maxResponseBytes?: number;
  /** Each call is an `LLM.Invoke` span; none by default. */
  tracer?: Tracer;
  /** Put prompts and completions on the spans (the exporters mask them); off by default. */
  traceContent?: boolean;
}

/** Per request: what the headers said. */
export interface CallOptions {
  /** `x-model-id`: pin an alias to one of its targets. */
  pin?: string | null;
  /** `Cache-Control` of the request. */
  cacheControl?: string | null;
  /**
   * `x-sensitivity-level` (1 public, 2 internal, 3 confidential; default 1): the level of the data
   * in the prompt. A semantic-cache answer produced at a level is served only at that level or above.
   */
  sensitivity?: number;
}

/** How the answer was produced, for the response headers. */
export interface Served {
  /** `backend/model` that answered. */
  model: string;
  /** `hit-l1`, `hit-l2` or `miss`; null when the request was not cacheable. */
  cache: string | null;
}

export type ChatResponse =
  | { kind: 'json'; body: Record<string, unknown>; served: Served }
  | { kind: 'stream'; stream: ReadableStream<Uint8Array>; served: Served };
