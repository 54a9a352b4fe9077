import type { AuditEntry, AuditLog, PreparedAuditRecord } from '../audit/index.ts';
import type { ToolInfo, ToolInvokeResult } from '../contracts/index.ts';
import { AppError, activeTraceIds, type Clock, type IdGenerator } from '../core/index.ts';
import type { Caller } from '../identity/index.ts';
import {
  type ApprovalNotifier,
  type ApprovalRecord,
  type ApprovalStore,
  callHash,
  type DecisionInput,
  type DecisionPoint,
  type GateRequirement,
} from '../orchestrator/index.ts';
import { ToolUnavailableError } from '../runtime/index.ts';
import type { ToolGateway, ToolOutcome } from '../tools/index.ts';

/** The agent a direct call is decided for: none (policies that name agents do not match it). */
const NO_AGENT = { name: 'direct-call', version: 0 } as const;
const POLL_MS = 250;

export interface ToolCallDeps {
  gateway: ToolGateway;
  decisions: DecisionPoint;
  /** The tenant's masking rules, applied before the audit log's own. */
  mask: (tenantId: string, value: unknown) => Promise<unknown>;
  audit: AuditLog;
  /**
   * Writes prepared records; the call answers without waiting for the commit (as the model
   * gateway's calls do), so the answer is not held by the database. Must not throw.
   */
  write: (tenantId: string, records: PreparedAuditRecord[]) => void;
  approvals: ApprovalStore;
  notifier?: ApprovalNotifier | undefined;
  clock: Clock;
  ids: IdGenerator;
  /** The policy's effect and rule for a call, without counting it against any quota (what tools/list shows). */
  preview: (
    tenantId: string,
    input: DecisionInput,
  ) => Promise<{ effect: 'allow' | 'deny' | 'require_approval'; rule?: string | undefined }>;
}

export interface DirectCallOptions {
  signal: AbortSignal;
  requestId: string;
  traceparent?: string | undefined;
  /** How long a call that needs an approval waits for one before it fails naming it; 0: not at all. */
  waitMs?: number | undefined;
}

/**
 * A direct tool call (`POST /api/v1/tools/{name}:invoke`, and each `tools/call` of the MCP gateway
 * at /mcp), governed like an agent's: arguments checked against the schema (INVALID_REQUEST listing
 * the bad fields, nothing called), the policy decides for the calling principal (deny: 403; dry
 * run: not called), quotas count it, and one masked audit record says what happened. A call behind
 * an approval gate opens an approval (no run waits for it: its requester is `direct:PRINCIPAL`),
 * waits up to `waitMs` for a person, and runs once approved; otherwise it fails with
 * APPROVAL_REQUIRED naming the approval, and the same call made again after the approval runs.
 * An approval is spent by the one call it approved.
 */
export class ToolCallService {
  constructor(private readonly deps: ToolCallDeps) {}

  /**
   * The tenant's tools the caller's policies do not deny outright: an rbac rule (or the default
   * deny of an allow list) refuses every call of the tool by this principal; a scope or quota
   * refusal depends on the call, so those tools stay listed. Descriptions carry the scope limits.
   * (Listing asks as an untainted caller, so whether a tool is destructive does not matter here.)
   */
  async visibleTools(caller: Caller): Promise<ToolInfo[]> {
    const tools: ToolInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.gateway.list(caller.tenantId, { limit: 500, cursor });
      tools.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const effects = await Promise.all(
      tools.map((tool) =>
        this.deps.preview(caller.tenantId, this.#input(caller, tool.name, {}, false, 'tools/list')),
      ),
    );
    const outright = (verdict: { effect: string; rule?: string | undefined } | undefined) =>
      verdict?.effect === 'deny' && !/\/(scopes|quotas)\//.test(verdict.rule ?? '');
    const visible = tools.filter((_tool, index) => !outright(effects[index]));
    return Promise.all(
      visible.map(async (tool) => ({
        ...tool,
        description: await this.deps.gateway.describe(caller.tenantId, tool),
      })),
    );
  }

  #input(
    caller: Caller,
    name: string,
    args: Record<string, unknown>,
    destructive: boolean,
    requestId: string,
  ): DecisionInput {
    return {
      action: 'tool_call',
      tool: { name, args, destructive },
      principal: { name: caller.principalName, kind: 'user', roles: caller.roles, groups: caller.groups },
      agent: NO_AGENT,
      run: { id: requestId, tainted: false, taint_reasons: [], steps: 0 },
    };
  }

  async invoke(
    caller: Caller,
    name: string,
    args: Record<string, unknown>,
    options: DirectCallOptions,
  ): Promise<ToolInvokeResult> {
    const { gateway, decisions } = this.deps;
    const { info, destructive } = await gateway.lookup(caller.tenantId, name);
    const problems = await gateway.check(caller.tenantId, name, args);
    if (problems.length > 0)
      throw new AppError(
        'INVALID_REQUEST',
        `invalid arguments for ${name}: ${problems.map((p) => `${p.pointer || '/'} ${p.detail}`).join('; ')}; nothing was called`,
        { fieldErrors: problems.map((p) => ({ pointer: `/arguments${p.pointer}`, detail: p.detail })) },
      );
    const input = this.#input(caller, name, args, destructive, options.requestId);
    const verdict = await decisions.decide(caller.tenantId, input);
    const base = {
      actorType: 'principal' as const,
      actor: caller.principalName,
      userId: caller.principalId,
      // The caller's trace when its request carried a traceparent, else the request id.
      traceId: activeTraceIds()?.traceId ?? options.requestId,
      tool: name,
      input: await this.deps.mask(caller.tenantId, args),
    };
    let approvalId: string | undefined;
    if (verdict.effect === 'deny') {
      await this.#record(caller, {
        ...base,
        action: 'policy_decision',
        decision: 'deny',
        rule: verdict.rule,
        metadata: { direct: true, reason: verdict.reason },
      });
      throw new AppError(
        'PERMISSION_DENIED',
        `${name} denied by policy rule ${verdict.rule}: ${verdict.reason}`,
      );
    }
    if (verdict.effect === 'require_approval') {
      const approval = await this.#approved(caller, name, args, verdict.gates, verdict.reason, base, options);
      approvalId = approval.id;
    } else if (verdict.dryRun) {
      const record = await this.#record(caller, {
        ...base,
        action: 'tool_call',
        decision: 'dry_run',
        rule: verdict.rule,
        metadata: { direct: true },
      });
      return {
        content: [{ type: 'text', text: `dry run: ${name} was not called` }],
        isError: false,
        auditId: record.id,
        truncated: false,
      };
    }
    const started = performance.now();
    const outcome = await gateway
      .call(caller.tenantId, name, args, {
        signal: options.signal,
        traceparent: options.traceparent,
        principal: caller.principalName,
      })
      .catch(unavailableAsResult);
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const [record] = await Promise.all([
      this.#record(caller, {
        ...base,
        action: 'tool_call',
        decision: 'allow',
        rule: verdict.effect === 'allow' ? verdict.rule : verdict.rule,
        output: await this.deps.mask(caller.tenantId, outcome.result),
        metadata: {
          direct: true,
          latency_ms: latencyMs,
          is_error: outcome.result.isError,
          ...(approvalId ? { approval_id: approvalId } : {}),
          ...(outcome.truncated ? { truncated: true } : {}),
          ...(info.server ? { server: info.server } : {}),
        },
      }),
      decisions.consume(caller.tenantId, input, 0),
    ]);
    return {
      content: outcome.result.content.map((part) => ({ ...part })),
      isError: outcome.result.isError,
      ...(outcome.result.structured === undefined ? {} : { structuredContent: outcome.result.structured }),
      auditId: record.id,
      truncated: outcome.truncated,
    };
  }

  /** The approval this call runs under, spent; throws APPROVAL_REQUIRED or PERMISSION_DENIED otherwise. */
  async #approved(
    caller: Caller,
    name: string,
    args: Record<string, unknown>,
    gates: GateRequirement[],
    reason: string,
    base: Omit<AuditEntry, 'action'>,
    options: DirectCallOptions,
  ): Promise<ApprovalRecord> {
    const { approvals } = this.deps;
    const requester = `direct:${caller.principalName}`;
    const hash = callHash(name, args);
    let approval = await approvals.forDirectCall(caller.tenantId, requester, hash);
    const usable =
      approval &&
      approval.consumedAt === null &&
      (approval.status === 'pending' || approval.status === 'approved');
    if (!approval || !usable)
      approval = await this.#request(caller, name, args, gates, reason, requester, hash, base);
    const deadline = Date.now() + (options.waitMs ?? 0);
    while (approval.status === 'pending' && Date.now() < deadline) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))),
      );
      options.signal.throwIfAborted();
      approval = (await approvals.get(caller.tenantId, approval.id)) ?? approval;
    }
    if (approval.status === 'approved' && (await approvals.consume(caller.tenantId, approval.id)))
      return approval;
    if (approval.status === 'rejected' || approval.status === 'expired') {
      const by = approval.decisions.find((d) => d.decision === 'reject')?.by ?? 'its timeout';
      throw new AppError(
        'PERMISSION_DENIED',
        `${name} was not approved: approval ${approval.id} ${approval.status} (by ${by})`,
      );
    }
    throw new AppError(
      'APPROVAL_REQUIRED',
      `${name} needs approval ${approval.id} (${approval.rules.join(', ') || 'approval gate'}; approvers ` +
        `${approval.approvers.join(', ') || 'any approver'}): once it is approved ` +
        `(actl approvals approve ${approval.id}), make the same call again`,
      { details: { approval_id: approval.id, approvers: approval.approvers } },
    );
  }

  async #request(
    caller: Caller,
    name: string,
    args: Record<string, unknown>,
    gates: GateRequirement[],
    reason: string,
    requester: string,
    hash: string,
    base: Omit<AuditEntry, 'action'>,
  ): Promise<ApprovalRecord> {
    const now = this.deps.clock.now();
    const { approval } = await this.deps.approvals.ensure({
      id: this.deps.ids.next(),
      tenantId: caller.tenantId,
      runId: null,
      stepKey: requester,
      kind: gates.every((gate) => gate.taint) ? 'taint' : 'gate',
      tool: name,
      callHash: hash,
      arguments: await this.deps.mask(caller.tenantId, args),
      reason,
      rules: gates.map((gate) => gate.rule),
      approvers: [...new Set(gates.flatMap((gate) => gate.approvers))],
      minApprovals: Math.max(...gates.map((gate) => gate.minApprovals)),
      // A direct call has nothing to resume: an approval that times out is simply not given.
      onTimeout: 'reject',
      expiresAt: new Date(now.getTime() + Math.min(...gates.map((gate) => gate.timeoutMs))),
      createdAt: now,
    });
    await this.#record(caller, {
      ...base,
      action: 'approval_request',
      decision: 'require_approval',
      rule: approval.rules.join(','),
      metadata: { direct: true, approval_id: approval.id, reason },
    });
    this.deps.notifier?.notify('approval.requested', approval);
    return approval;
  }

  /** The record's id at once; the record itself is written with the next batch. */
  async #record(caller: Caller, entry: AuditEntry): Promise<{ id: string }> {
    const prepared = this.deps.audit.prepare(caller.tenantId, entry);
    this.deps.write(caller.tenantId, [prepared]);
    return { id: prepared.content.id };
  }
}

/** A direct call has no run to retry or pause: an unreachable tool server is an error result. */
function unavailableAsResult(error: unknown): ToolOutcome {
  if (!(error instanceof ToolUnavailableError)) throw error;
  const note = error.inDoubt ? ' Check whether it took effect before calling it again.' : '';
  return {
    result: { content: [{ type: 'text', text: `${error.message}.${note}` }], isError: true },
    truncated: false,
  };
}
