import type { DatasetFormat, Feedback, RunStatus } from '../contracts/index.ts';

/** 1: good, -1: not. */
export type FeedbackScore = Feedback['score'];

/** One principal's feedback on one run, as stored. */
export interface FeedbackRecord {
  id: string;
  runId: string;
  /** The run's agent. */
  agent: string;
  principal: string;
  score: FeedbackScore;
  /** Masked before it was stored. */
  correction: string | null;
  category: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a principal says about a run; `at` stamps it (created_at on insert, updated_at always). */
export interface FeedbackDraft {
  runId: string;
  principal: string;
  score: FeedbackScore;
  correction: string | null;
  category: string | null;
  at: Date;
}

export type FeedbackWriteOutcome =
  | { outcome: 'created' | 'replaced'; feedback: FeedbackRecord }
  | { outcome: 'run_not_found' }
  | { outcome: 'run_not_ready'; status: RunStatus };

/** Which feedback a dataset page reads, in feedback id order. */
export interface DatasetScan {
  format: DatasetFormat;
  agent?: string | undefined;
  /** Feedback last changed at or after (inclusive). */
  from?: Date | undefined;
  /** Feedback last changed before (exclusive). */
  to?: Date | undefined;
  /** Only feedback with an id greater than this (the previous page's last). */
  afterId?: string | undefined;
  limit: number;
}

/** A feedback row that may become a training example, with the run it judges. */
export interface DatasetSource {
  feedbackId: string;
  runId: string;
  agent: string;
  agentVersion: number;
  score: FeedbackScore;
  correction: string | null;
  category: string | null;
  /** The run's input and output as stored (jsonb, not validated: any run input shape). */
  input: unknown;
  output: unknown;
  sessionId: string | null;
  /** When the run first started (its history was read then); its creation time if it never started. */
  startedAt: Date;
  /** The spec of the agent version the run used (jsonb); null when that version is gone. */
  spec: unknown;
}

/** The session messages a run saw: those before `before`, not its own, the newest `limit`. */
export interface HistoryRequest {
  runId: string;
  sessionId: string;
  before: Date;
  limit: number;
}

export interface HistoryMessage {
  role: string;
  content: unknown;
}

/**
 * Feedback storage, tenant-scoped (row-level security): another tenant's runs and feedback are
 * invisible, as if they did not exist.
 */
export interface FeedbackStore {
  /**
   * Inserts the principal's feedback on the run, or replaces it (one per tenant, run and
   * principal; concurrent writes of one principal serialise, the last one wins), in one
   * transaction with the read of the run: `run_not_found` if the run is not the tenant's,
   * `run_not_ready` (nothing written) if its status is not in `accepts`. Replacing keeps `id` and
   * `createdAt`.
   */
  upsert(
    tenantId: string,
    draft: FeedbackDraft,
    accepts: readonly RunStatus[],
    signal?: AbortSignal,
  ): Promise<FeedbackWriteOutcome>;

  /** The run's feedback, oldest first; null if the run is not the tenant's. */
  list(tenantId: string, runId: string, signal?: AbortSignal): Promise<FeedbackRecord[] | null>;

  /** Removes the principal's feedback on the run; returns what was removed, or null if none. */
  remove(
    tenantId: string,
    runId: string,
    principal: string,
    signal?: AbortSignal,
  ): Promise<FeedbackRecord | null>;

  /**
   * Up to `limit` feedback rows on ended runs that can make an example of `format`, in id order:
   * dpo: those with a correction, on runs with an output; sft: those with a correction, and
   * upvotes without one on runs with an output that nobody downvoted (the first such upvote of a
   * run only, so a run many liked is one example).
   */
  scan(tenantId: string, scan: DatasetScan, signal?: AbortSignal): Promise<DatasetSource[]>;

  /** For each request, the session messages oldest first (read in one transaction). */
  histories(
    tenantId: string,
    requests: readonly HistoryRequest[],
    signal?: AbortSignal,
  ): Promise<Map<string, HistoryMessage[]>>;
}

/** PII masking of feedback and of what datasets export. */
export interface FeedbackMasking {
  /** With the tenant's PII rules (its policies' `pii_masking`), as a run's records are masked. */
  forStorage(tenantId: string, text: string): Promise<string>;
  /** With the tenant's rules, then every built-in detector: what leaves the platform as training data. */
  forExport<T>(tenantId: string, value: T): Promise<T>;
}

export const FEEDBACK_OPERATIONS = ['create', 'replace', 'delete'] as const;
export type FeedbackOperation = (typeof FEEDBACK_OPERATIONS)[number];

/** The audit trail of feedback changes. Throws if the record cannot be written. */
export interface FeedbackAudit {
  record(
    tenantId: string,
    change: {
      operation: FeedbackOperation;
      principal: string;
      principalId: string;
      feedback: FeedbackRecord;
    },
    signal?: AbortSignal,
  ): Promise<void>;
}
