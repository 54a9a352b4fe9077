import type { AgentSpec } from '../contracts/index.ts';
import { type Clock, canonicalJson, type IdGenerator, sha256Hex } from '../core/index.ts';
import type { ApprovalRequest } from '../runtime/index.ts';
import type { ApprovalRecord, ApprovalStore } from './approval-ports.ts';
import type {
  CallReport,
  Governance,
  GovernanceOutcome,
  GovernedCall,
  InspectionResult,
  RunGovernance,
} from './governance.ts';
import type {
  AuditSink,
  ContentInspector,
  DecisionInput,
  DecisionPoint,
  GateRequirement,
  Masker,
  PrincipalDirectory,
  Subject,
} from './governance-ports.ts';
import type { RunRecord } from './ports.ts';

/** Told when an approval is asked for or decided (webhooks for chat / IM). */
export interface ApprovalNotifier {
  notify(event: 'approval.requested' | 'approval.decided', approval: ApprovalRecord): void;
}

export interface GovernanceDeps {
  decisions: DecisionPoint;
  inspector: ContentInspector;
  masker: Masker;
  audit: AuditSink;
  approvals: ApprovalStore;
  principals: PrincipalDirectory;
  notifier?: ApprovalNotifier | undefined;
  clock: Clock;
  ids: IdGenerator;
}

/** Operators decide calls a crash left in doubt; they have a week. */
const IN_DOUBT_APPROVERS = ['role:operator', 'role:admin', 'role:approver'];
/** Who decides a workflow approval node that names nobody. */
export const NODE_APPROVERS = ['role:approver', 'role:operator', 'role:admin'];
const IN_DOUBT_TIMEOUT_MS = 7 * 24 * 3600_000;

/** Hash of the exact call: an approval covers this tool with these arguments, nothing else. */
export function callHash(tool: string, args: unknown): string {
  return sha256Hex(canonicalJson({ tool, args: args ?? null }));
}

const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : (canonicalJson(content ?? null) ?? '');

/** Builds the governance of each run execution. */
export class GovernanceService implements Governance {
  constructor(private readonly deps: GovernanceDeps) {}

  async forRun(
    run: RunRecord,
    agent: { name: string; version: number; spec: AgentSpec },
  ): Promise<RunGovernance> {
    const subject = (await this.deps.principals.subject(run.tenantId, run.createdBy)) ?? {
      name: run.createdBy,
      kind: 'user',
      roles: [],
      groups: [],
    };
    return new GovernedRun(this.deps, run, agent, subject);
  }
}

class GovernedRun implements RunGovernance {
  readonly #taint: string[] = [];
  #steps = 0;
  /** Rule behind the last allow, written with the call's audit record. */
  readonly #allowedBy = new Map<string, string>();

  constructor(
    private readonly deps: GovernanceDeps,
    private readonly run: RunRecord,
    private readonly agent: { name: string; version: number; spec: AgentSpec },
    private readonly subject: Subject,
  ) {}

  #input(call: GovernedCall): DecisionInput {
    return {
      action: call.kind,
      ...(call.kind === 'tool_call'
        ? { tool: { name: call.name, args: call.args, destructive: call.destructive } }
        : { model: { backend: this.agent.spec.model.backend, name: call.name } }),
      principal: this.subject,
      agent: { name: this.agent.name, version: this.agent.version },
      run: {
        id: this.run.id,
        tainted: this.#taint.length > 0,
        taint_reasons: [...this.#taint],
        steps: this.#steps,
      },
    };
  }

  #audit(action: string, call: GovernedCall | null, fields: Partial<Parameters<AuditSink['append']>[0][0]>) {
    return this.deps.audit.append([
      {
        tenantId: this.run.tenantId,
        actorType: 'agent',
        actor: this.agent.name,
        runId: this.run.id,
        traceId: this.run.traceId,
        userId: this.run.createdBy,
        action,
        ...(call ? { tool: call.name } : {}),
        ...fields,
      },
    ]);
  }

  async check(call: GovernedCall): Promise<GovernanceOutcome> {
    this.#steps += 1;
    const verdict = await this.deps.decisions.decide(this.run.tenantId, this.#input(call));
    if (verdict.effect === 'deny') {
      await this.#audit('policy_decision', call, {
        decision: 'deny',
        rule: verdict.rule,
        input: call.args,
        metadata: { reason: verdict.reason, step: call.stepKey },
      });
      return { kind: 'deny', rule: verdict.rule, reason: verdict.reason };
    }
    if (verdict.effect === 'allow') {
      if (verdict.rule) this.#allowedBy.set(call.stepKey, verdict.rule);
      return { kind: 'allow', dryRun: verdict.dryRun, maxTokens: verdict.maxTokens };
    }
    return this.#gate(call, verdict.gates, verdict.reason);
  }

  async #gate(call: GovernedCall, gates: GateRequirement[], reason: string): Promise<GovernanceOutcome> {
    const hash = callHash(call.name, call.args);
    const found = await this.deps.approvals.forCall(this.run.tenantId, this.run.id, call.stepKey, hash);
    if (found) return this.#settled(call, found);
    const now = this.deps.clock.now();
    const { approval, created } = await this.deps.approvals.ensure({
      id: this.deps.ids.next(),
      tenantId: this.run.tenantId,
      runId: this.run.id,
      stepKey: call.stepKey,
      kind: gates.every((g) => g.taint) ? 'taint' : 'gate',
      tool: call.name,
      callHash: hash,
      arguments: await this.deps.masker.mask(this.run.tenantId, call.args),
      reason,
      rules: gates.map((g) => g.rule),
      approvers: [...new Set(gates.flatMap((g) => g.approvers))],
      minApprovals: Math.max(...gates.map((g) => g.minApprovals)),
      // The strictest gate wins: the shortest wait, and reject if any gate says so.
      onTimeout: gates.some((g) => g.onTimeout === 'reject') ? 'reject' : 'approve',
      expiresAt: new Date(now.getTime() + Math.min(...gates.map((g) => g.timeoutMs))),
      createdAt: now,
    });
    if (created) {
      await this.#audit('approval_request', call, {
        decision: 'require_approval',
        rule: approval.rules.join(','),
        input: call.args,
        metadata: { approval_id: approval.id, reason, step: call.stepKey },
      });
      this.deps.notifier?.notify('approval.requested', approval);
    }
    return this.#settled(call, approval);
  }

  #settled(call: GovernedCall, approval: ApprovalRecord): GovernanceOutcome {
    const approved =
      approval.status === 'approved' || (approval.status === 'expired' && approval.onTimeout === 'approve');
    if (approved) {
      this.#allowedBy.set(call.stepKey, approval.rules.join(','));
      return { kind: 'allow', dryRun: false, approvalId: approval.id };
    }
    if (approval.status === 'pending')
      return { kind: 'pause', approvalId: approval.id, reason: approval.reason, rules: approval.rules };
    const why = approval.status === 'expired' ? 'expired without a decision' : 'was rejected';
    return {
      kind: 'rejected',
      approvalId: approval.id,
      reason: `approval ${approval.id} for ${call.name} ${why}`,
    };
  }

  async record(call: GovernedCall, report: CallReport): Promise<void> {
    const tokens = (report.usage?.inputTokens ?? 0) + (report.usage?.outputTokens ?? 0);
    await Promise.all([
      this.#audit(call.kind === 'tool_call' ? 'tool_call' : 'llm_invoke', call, {
        decision: report.dryRun ? 'dry_run' : 'allow',
        rule: this.#allowedBy.get(call.stepKey),
        ...(call.kind === 'tool_call' ? { input: call.args } : {}),
        output: report.error !== undefined ? { error: report.error } : report.output,
        metadata: {
          step: call.stepKey,
          latency_ms: report.durationMs,
          ...(report.usage
            ? { input_tokens: report.usage.inputTokens, output_tokens: report.usage.outputTokens }
            : {}),
        },
      }),
      this.deps.decisions.consume(this.run.tenantId, this.#input(call), tokens),
    ]);
  }

  async inspect(
    content: unknown,
    source: 'user' | 'tool' | 'retrieval',
    stepKey: string,
    options: { replay?: boolean } = {},
  ): Promise<InspectionResult> {
    const verdict = await this.deps.inspector.inspect(this.run.tenantId, textOf(content), source);
    if (!verdict.flagged) return { block: false, flagged: false, reasons: [] };
    const reasons = verdict.reasons.length > 0 ? verdict.reasons : ['flagged by the injection detector'];
    this.#taint.push(`${source} content at ${stepKey}: ${reasons.join('; ')}`);
    if (options.replay) return { block: verdict.block, flagged: true, reasons };
    await this.#audit('guard_detection', null, {
      decision: verdict.block ? 'block' : 'flag',
      rule: 'injection',
      metadata: { source, step: stepKey, score: verdict.score, reasons },
    });
    return { block: verdict.block, flagged: true, reasons };
  }

  async requestApproval(stepKey: string, request: ApprovalRequest): Promise<{ approvalId: string }> {
    const now = this.deps.clock.now();
    const { approval, created } = await this.deps.approvals.ensure({
      id: this.deps.ids.next(),
      tenantId: this.run.tenantId,
      runId: this.run.id,
      stepKey,
      kind: 'node',
      tool: 'workflow.approval',
      callHash: sha256Hex(canonicalJson({ step: stepKey, message: request.message }) ?? ''),
      arguments: await this.deps.masker.mask(this.run.tenantId, {
        message: request.message,
        details: request.details ?? null,
      }),
      reason: request.message,
      rules: [],
      approvers: request.approvers ?? NODE_APPROVERS,
      minApprovals: request.minApprovals ?? 1,
      onTimeout: request.onTimeout ?? 'reject',
      expiresAt: new Date(now.getTime() + (request.timeoutMs ?? IN_DOUBT_TIMEOUT_MS)),
      createdAt: now,
    });
    if (created) {
      await this.#audit('approval_request', null, {
        decision: 'require_approval',
        rule: 'workflow.approval',
        metadata: { approval_id: approval.id, step: stepKey },
      });
      this.deps.notifier?.notify('approval.requested', approval);
    }
    return { approvalId: approval.id };
  }

  async inDoubt(call: GovernedCall): Promise<{ approvalId: string }> {
    const now = this.deps.clock.now();
    const { approval, created } = await this.deps.approvals.ensure({
      id: this.deps.ids.next(),
      tenantId: this.run.tenantId,
      runId: this.run.id,
      stepKey: call.stepKey,
      kind: 'in_doubt',
      tool: call.name,
      // Its own hash per attempt: a gate approval of the same call, or an earlier doubt, is another matter.
      callHash: sha256Hex(`${callHash(call.name, call.args)}:in_doubt:${call.attempt ?? 1}`),
      arguments: await this.deps.masker.mask(this.run.tenantId, call.args),
      reason: `a crash left the call to ${call.name} in doubt: approve runs it again, reject skips it`,
      rules: [],
      approvers: IN_DOUBT_APPROVERS,
      minApprovals: 1,
      onTimeout: 'reject',
      expiresAt: new Date(now.getTime() + IN_DOUBT_TIMEOUT_MS),
      createdAt: now,
    });
    if (created) this.deps.notifier?.notify('approval.requested', approval);
    return { approvalId: approval.id };
  }
}
