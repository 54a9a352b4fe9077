import type { ModelAliasSpec, ModelBackendSpec } from '../contracts/index.ts';

/** A tenant's model backend as the gateway sees it. */
export interface GatewayBackend {
  name: string;
  spec: ModelBackendSpec;
  /** When the backend was created; `created` in the model list. */
  createdAt: Date;
  /** Unique across tenants (`tenantId/name`): what live health, breakers and limiters are kept by. */
  key: string;
  /** The value of `apiKeySecretRef`, sent as `Authorization: Bearer`; read when the catalog loads. */
  apiKey?: string | undefined;
  /** Why the key could not be read (a missing secret): calls to the backend fail with it. */
  apiKeyProblem?: string | undefined;
}

/** A tenant's model alias. */
export interface GatewayAlias {
  name: string;
  spec: ModelAliasSpec;
  createdAt: Date;
}

/** One tenant's backends and aliases, as the gateway routes over them. Read-only. */
export interface TenantCatalog {
  tenantId: string;
  backends: ReadonlyMap<string, GatewayBackend>;
  aliases: ReadonlyMap<string, GatewayAlias>;
}

/**
 * Where the gateway gets a tenant's catalog. Implementations cache and must drop a tenant's
 * catalog when its backends or aliases change. `refresh` is asked when a caller named a model the
 * catalog lacks; it returns a freshly loaded catalog, or null if it reloaded too recently to
 * try again.
 */
export interface CatalogSource {
  catalog(tenantId: string, signal: AbortSignal): Promise<TenantCatalog>;
  refresh(tenantId: string, signal: AbortSignal): Promise<TenantCatalog | null>;
}

/** Who is calling, as far as the gateway cares: budgets and rate limits are kept per each. */
export interface GatewayCaller {
  tenantId: string;
  principal: string;
  /** Set when a run calls through the gateway (or a client sends x-agent-id / x-run-id). */
  agent?: string | null;
  runId?: string | null;
}

/** What a call may spend, at most, before it goes upstream. */
export interface SpendEstimate {
  tokens: number;
  /** Null when a target has no price. */
  usd: number | null;
}

/** Spend reserved for one call; end it with exactly one of the two (later calls are ignored). */
export interface SpendHold {
  /** A soft limit is crossed: an alias with `degrade_to` should use it. */
  readonly degrade: boolean;
  settle(actual: SpendEstimate): void;
  release(): void;
}

/**
 * The tenant's budgets and rate limits, enforced atomically across replicas. Both methods throw a
 * 429 GatewayError (with Retry-After and problem members naming the rule and its reset time) when
 * the call does not fit.
 */
export interface UsageGovernor {
  /** Rate limits: one request and `estimatedTokens` tokens from every matching bucket. */
  admit(caller: GatewayCaller, estimatedTokens: number, signal: AbortSignal): Promise<void>;
  /** Budgets: reserves the estimate on every matching budget at once, or none. */
  reserve(caller: GatewayCaller, estimate: SpendEstimate, signal: AbortSignal): Promise<SpendHold>;
}

/**
 * One call's pseudonymization for `trust: external` backends: `hide` replaces personal data by
 * placeholders (the same value, the same placeholder, within this session), `restore` puts the
 * originals back into text the backend produced. A fresh session per call: placeholders never
 * leak across calls.
 */
export interface PseudonymSession {
  hide(text: string): string;
  restore(text: string): string;
}

export type Pseudonymizer = () => PseudonymSession;

/** What one gateway call did, for the audit log and the usage counters. */
export interface GatewayInvocation {
  tenantId: string;
  principal: string;
  agent: string | null;
  runId: string | null;
  /** What the caller asked for: an alias, `backend/model` or a bare model name. */
  requested: string;
  /** `backend/model` that answered (or was tried last); for a cache hit, the one that answered first. */
  model: string;
  /** `hit-l1`, `hit-l2`, `hit-l3` or `miss`; null when the request was not cacheable. */
  cache: string | null;
  /** Upstream attempts made (0 for a cache hit). */
  attempts: number;
  /** USD from the backend's cost_per_1k; null when it has no price or usage is unknown. */
  costUsd: number | null;
  operation: 'chat.completions' | 'embeddings' | 'rerank';
  stream: boolean;
  /** The HTTP status the caller got (200 even if a stream later failed; see `error`). */
  status: number;
  error: string | null;
  /** Tokens counted with a tokenizer (the backend reported no usage), not reported. */
  tokensCounted: boolean;
  inputTokens: number | null;
  /** Of the input tokens, those the provider served from its prompt cache (when it says). */
  cachedTokens: number | null;
  outputTokens: number | null;
  latencyMs: number;
}

/**
 * Receives one record per finished call. Called after the response has ended, never awaited:
 * implementations queue the write and must not throw.
 */
export type GatewayAudit = (invocation: GatewayInvocation) => void;
