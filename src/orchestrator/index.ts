export type {
  ApprovalChange,
  ApprovalDecisionRecord,
  ApprovalFilter,
  ApprovalRecord,
  ApprovalStore,
  NewApproval,
} from './approval-ports.ts';
export { ApprovalService, type Approver, mayDecide, toApprovalResource } from './approvals.ts';
export { GovernanceStop, RunLimitExceeded, RunSetupError, RunStop } from './errors.ts';
export { RunEventFeed } from './event-feed.ts';
export { type AgentCatalog, type ExecutorDeps, RunExecutor } from './executor.ts';
export type {
  CallReport,
  Governance,
  GovernanceOutcome,
  GovernedCall,
  InspectionResult,
  RunGovernance,
} from './governance.ts';
export type {
  AuditDraft,
  AuditSink,
  ContentInspector,
  ContentVerdict,
  DecisionInput,
  DecisionPoint,
  GateRequirement,
  Masker,
  PrincipalDirectory,
  Subject,
  Verdict,
} from './governance-ports.ts';
export { type ApprovalNotifier, callHash, type GovernanceDeps, GovernanceService } from './governed-run.ts';
export type {
  ClaimedRun,
  CreateRunOptions,
  EventDraft,
  EventRecord,
  Fence,
  NewRun,
  NewStep,
  Resolution,
  RunErrorRecord,
  RunFilter,
  RunQueue,
  RunRecord,
  RunStore,
  SessionMessageRecord,
  SessionRecord,
  Signals,
  StepOutcome,
  StepRecord,
  StepStatus,
  TransitionChange,
  UsageRecord,
} from './ports.ts';
export { LeaseLostError } from './ports.ts';
export { toEventResource, toRunResource } from './resources.ts';
export { DurableRunContext } from './run-context.ts';
export { type AgentDirectory, type Caller as RunCaller, RunService } from './run-service.ts';
export { assertRunTransition, isTerminal, RUN_TRANSITIONS, sourcesOf } from './run-states.ts';
export { Worker, type WorkerOptions } from './worker.ts';
