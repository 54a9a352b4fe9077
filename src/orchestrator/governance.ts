import type { AgentSpec } from '../contracts/index.ts';
import type { ApprovalRequest, TokenUsage } from '../runtime/index.ts';
import type { RunRecord } from './ports.ts';

/** A model or tool call about to run, as governance sees it. */
export interface GovernedCall {
  kind: 'tool_call' | 'model_call';
  stepKey: string;
  /** Tool name, or the model's name. */
  name: string;
  /** The tool's arguments (null for a model call). */
  args: unknown;
  /** A tool that changes the world in a way that is hard to undo (firewall, delete, shell). */
  destructive: boolean;
  /** Which attempt of the step this is (a crash makes a second one). */
  attempt?: number | undefined;
}

export type GovernanceOutcome =
  | {
      kind: 'allow';
      /** Constraints the call must obey (seed GovernanceConstraints). */
      dryRun: boolean;
      maxTokens?: number | undefined;
      /** The approval this call runs under, if one was needed. */
      approvalId?: string | undefined;
    }
  | { kind: 'deny'; rule: string; reason: string }
  /** A person must decide: the run pauses until the approval is decided or expires. */
  | { kind: 'pause'; approvalId: string; reason: string; rules: string[] }
  /** A person (or the gate's timeout) said no: the run ends failed, reason `rejected`. */
  | { kind: 'rejected'; approvalId: string; reason: string };

export interface CallReport {
  output?: unknown;
  error?: string | undefined;
  durationMs: number;
  usage?: TokenUsage | undefined;
  dryRun?: boolean;
}

/** What inspecting content that enters a run's context concluded. */
export interface InspectionResult {
  /** Policy says block: the run must not continue with this content. */
  block: boolean;
  flagged: boolean;
  reasons: string[];
}

/**
 * Governance of one run's execution: every model and tool call asks `check` first and reports
 * with `record` after; content entering the context (input, tool output) goes through `inspect`,
 * which taints the run when it is flagged. Built per execution by `Governance.forRun`; the taint
 * is rebuilt on replay because replayed tool outputs are inspected again.
 */
export interface RunGovernance {
  check(call: GovernedCall): Promise<GovernanceOutcome>;
  record(call: GovernedCall, report: CallReport): Promise<void>;
  /** `replay`: content already inspected (and recorded) by an earlier execution; only the taint is rebuilt. */
  inspect(
    content: unknown,
    source: 'user' | 'tool' | 'retrieval',
    stepKey: string,
    options?: { replay?: boolean },
  ): Promise<InspectionResult>;
  /** A workflow approval node: ensures its approval record (listed, decided by its approvers). */
  requestApproval(stepKey: string, request: ApprovalRequest): Promise<{ approvalId: string }>;
  /** A crash left a non-idempotent call in doubt: ensures an approval for an operator to decide. */
  inDoubt(call: GovernedCall): Promise<{ approvalId: string }>;
}

export interface Governance {
  forRun(run: RunRecord, agent: { name: string; version: number; spec: AgentSpec }): Promise<RunGovernance>;
}
