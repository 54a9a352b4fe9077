import type { ApprovalDecisionKind, ApprovalKind, ApprovalStatus } from '../contracts/index.ts';
import type { Resolution } from './ports.ts';

export interface ApprovalDecisionRecord {
  by: string;
  decision: ApprovalDecisionKind;
  comment?: string | undefined;
  at: Date;
}

export interface ApprovalRecord {
  id: string;
  tenantId: string;
  /** Null for a direct tool call's approval (no run waits for it). */
  runId: string | null;
  stepKey: string;
  kind: ApprovalKind;
  status: ApprovalStatus;
  tool: string;
  /** SHA-256 of the tool name and the exact arguments: an approval covers that call only. */
  callHash: string;
  /** The arguments as people see them (PII masked). */
  arguments: unknown;
  reason: string;
  rules: string[];
  approvers: string[];
  minApprovals: number;
  onTimeout: 'reject' | 'approve';
  decisions: ApprovalDecisionRecord[];
  expiresAt: Date;
  decidedAt: Date | null;
  createdAt: Date;
  /** When a direct call used this approval (it approves one call). */
  consumedAt: Date | null;
}

export type NewApproval = Omit<ApprovalRecord, 'status' | 'decisions' | 'decidedAt' | 'consumedAt'>;

export interface ApprovalFilter {
  status?: ApprovalStatus | undefined;
  runId?: string | undefined;
}

/** The state an approval moves to, computed by the service from the locked current one. */
export interface ApprovalChange {
  status: ApprovalStatus;
  decisions: ApprovalDecisionRecord[];
  /** Set when the approval became final: resumes the paused run in the same transaction. */
  resume?: Resolution | undefined;
}

export interface ApprovalStore {
  /** Inserts unless one exists for the same run, step and call; returns the one that is stored. */
  ensure(approval: NewApproval): Promise<{ approval: ApprovalRecord; created: boolean }>;
  /** The newest approval for this call of this step, if any. */
  forCall(tenantId: string, runId: string, stepKey: string, callHash: string): Promise<ApprovalRecord | null>;
  get(tenantId: string, id: string): Promise<ApprovalRecord | null>;
  /** Newest first; `afterId` is the last id of the previous page. */
  list(
    tenantId: string,
    filter: ApprovalFilter,
    page: { limit: number; afterId?: string },
  ): Promise<ApprovalRecord[]>;
  /**
   * Locks the approval, asks `decide` for its next state and writes it; a final state with
   * `resume` also resumes the run if it is paused. One transaction.
   */
  update(
    tenantId: string,
    id: string,
    decide: (current: ApprovalRecord) => ApprovalChange,
  ): Promise<ApprovalRecord>;
  /** The newest approval of a direct call (no run) with this requester key and call hash. */
  forDirectCall(tenantId: string, stepKey: string, callHash: string): Promise<ApprovalRecord | null>;
  /** Spends an approved direct-call approval; false if it was spent already or is not approved. */
  consume(tenantId: string, id: string): Promise<boolean>;
  /** Pending approvals past their expiry, any tenant, oldest first (workers sweep them). */
  due(now: Date, limit: number): Promise<Array<{ tenantId: string; id: string }>>;
}
