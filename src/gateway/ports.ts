import type { ModelBackendSpec } from '../contracts/index.ts';

/** A tenant's model backend as the gateway sees it. */
export interface GatewayBackend {
  name: string;
  spec: ModelBackendSpec;
  /** When the backend was created; `created` in the model list. */
  createdAt: Date;
}

/**
 * The model backends of a tenant, read-only. `find` returns null if there is none by that name;
 * `list` returns every backend of the tenant (the gateway resolves bare model names over it).
 */
export interface BackendDirectory {
  find(tenantId: string, name: string, signal: AbortSignal): Promise<GatewayBackend | null>;
  list(tenantId: string, signal: AbortSignal): Promise<GatewayBackend[]>;
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

/** What one gateway call did, for the audit log. */
export interface GatewayInvocation {
  tenantId: string;
  principal: string;
  /** `backend/model`. */
  model: string;
  operation: 'chat.completions' | 'embeddings';
  stream: boolean;
  /** The HTTP status the caller got (200 even if a stream later failed; see `error`). */
  status: number;
  error: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  latencyMs: number;
}

/**
 * Receives one record per finished call. Called after the response has ended, never awaited:
 * implementations queue the write and must not throw.
 */
export type GatewayAudit = (invocation: GatewayInvocation) => void;
