/** What the run-side governance needs from policy, guard and audit; main.ts plugs adapters in. */

export interface Subject {
  name: string;
  kind: string;
  roles: string[];
  groups: string[];
}

export interface DecisionInput {
  action: 'tool_call' | 'model_call';
  tool?: { name: string; args: unknown; destructive: boolean };
  model?: { backend: string; name: string };
  principal: Subject;
  agent: { name: string; version: number };
  run: { id: string; tainted: boolean; taint_reasons: string[]; steps: number };
}

export interface GateRequirement {
  rule: string;
  approvers: string[];
  minApprovals: number;
  timeoutMs: number;
  onTimeout: 'reject' | 'approve';
  reason: string;
  /** A gate the platform adds for a tainted run, not one from a policy. */
  taint: boolean;
}

export type Verdict =
  | { effect: 'allow'; rule?: string | undefined; dryRun: boolean; maxTokens?: number | undefined }
  | { effect: 'deny'; rule: string; reason: string }
  | { effect: 'require_approval'; rule: string; reason: string; gates: GateRequirement[] };

/** The policy decision point, with the tenant's live policies and quota counters behind it. */
export interface DecisionPoint {
  decide(tenantId: string, input: DecisionInput): Promise<Verdict>;
  /** Counts a finished call (and its tokens) against the quotas that apply. */
  consume(tenantId: string, input: DecisionInput, tokens: number): Promise<void>;
}

export interface ContentVerdict {
  flagged: boolean;
  block: boolean;
  score: number;
  reasons: string[];
}

/** Prompt-injection inspection under the tenant's `injection` policy. */
export interface ContentInspector {
  inspect(tenantId: string, text: string, source: 'user' | 'tool' | 'retrieval'): Promise<ContentVerdict>;
}

/** PII masking under the tenant's `pii_masking` policy, for anything people or logs will see. */
export interface Masker {
  mask(tenantId: string, value: unknown): Promise<unknown>;
}

export interface AuditDraft {
  tenantId: string;
  actorType: 'principal' | 'agent' | 'system';
  actor: string;
  runId?: string | undefined;
  traceId?: string | undefined;
  userId?: string | undefined;
  action: string;
  decision?: string | undefined;
  rule?: string | undefined;
  tool?: string | undefined;
  input?: unknown;
  output?: unknown;
  metadata?: Record<string, unknown> | undefined;
}

/** The audit log (masks before it writes). */
export interface AuditSink {
  append(entries: AuditDraft[]): Promise<void>;
}

export interface PrincipalDirectory {
  /** Roles and groups of a principal by name; null if it no longer exists. */
  subject(tenantId: string, name: string): Promise<Subject | null>;
}
