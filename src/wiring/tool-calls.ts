import type { AuditLog } from '../audit/index.ts';
import type { ToolInvokeResult } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import type { Caller } from '../identity/index.ts';
import type { DecisionInput, DecisionPoint } from '../orchestrator/index.ts';
import type { ToolGateway } from '../tools/index.ts';

/** The agent a direct call is decided for: none (policies that name agents do not match it). */
const NO_AGENT = { name: 'direct-call', version: 0 } as const;

export interface ToolCallDeps {
  gateway: ToolGateway;
  decisions: DecisionPoint;
  /** The tenant's masking rules, applied before the audit log's own. */
  mask: (tenantId: string, value: unknown) => Promise<unknown>;
  audit: AuditLog;
}

/**
 * A direct tool call (`POST /api/v1/tools/{name}:invoke`), governed like an agent's: arguments
 * checked against the schema (400 listing the bad fields, nothing called), the policy decides
 * for the calling principal (deny: 403; a gate: 403 APPROVAL_REQUIRED, since a direct call has no
 * run to pause; a dry run: not called), quotas count it, and one masked audit record says what
 * happened, whose id the caller gets back.
 */
export class ToolCallService {
  constructor(private readonly deps: ToolCallDeps) {}

  async invoke(
    caller: Caller,
    name: string,
    args: Record<string, unknown>,
    options: { signal: AbortSignal; requestId: string; traceparent?: string | undefined },
  ): Promise<ToolInvokeResult> {
    const { gateway, decisions } = this.deps;
    const info = await gateway.get(caller.tenantId, name);
    const problems = await gateway.check(caller.tenantId, name, args);
    if (problems.length > 0)
      throw new AppError(
        'INVALID_REQUEST',
        `invalid arguments for ${name}: ${problems.map((p) => `${p.pointer || '/'} ${p.detail}`).join('; ')}; nothing was called`,
        { fieldErrors: problems.map((p) => ({ pointer: `/arguments${p.pointer}`, detail: p.detail })) },
      );
    const destructive = info.annotations.destructive ?? !(info.annotations.readOnly ?? false);
    const input: DecisionInput = {
      action: 'tool_call',
      tool: { name, args, destructive },
      principal: { name: caller.principalName, kind: 'user', roles: caller.roles, groups: caller.groups },
      agent: NO_AGENT,
      run: { id: options.requestId, tainted: false, taint_reasons: [], steps: 0 },
    };
    const verdict = await decisions.decide(caller.tenantId, input);
    const base = {
      actorType: 'principal' as const,
      actor: caller.principalName,
      userId: caller.principalId,
      traceId: options.requestId,
      tool: name,
      input: await this.deps.mask(caller.tenantId, args),
    };
    if (verdict.effect !== 'allow') {
      await this.deps.audit.append(caller.tenantId, {
        ...base,
        action: 'policy_decision',
        decision: verdict.effect,
        rule: verdict.rule,
        metadata: { direct: true, reason: verdict.reason },
      });
      if (verdict.effect === 'deny')
        throw new AppError(
          'PERMISSION_DENIED',
          `${name} denied by policy rule ${verdict.rule}: ${verdict.reason}`,
        );
      const approvers = [...new Set(verdict.gates.flatMap((gate) => gate.approvers))];
      throw new AppError(
        'APPROVAL_REQUIRED',
        `${name} needs an approval (rule ${verdict.rule}${approvers.length ? `, approvers ${approvers.join(', ')}` : ''}): ` +
          'a direct call cannot wait for one; call it from an agent run, which pauses for the approval',
      );
    }
    if (verdict.dryRun) {
      const record = await this.deps.audit.append(caller.tenantId, {
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
    const outcome = await gateway.call(caller.tenantId, name, args, {
      signal: options.signal,
      traceparent: options.traceparent,
    });
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const [record] = await Promise.all([
      this.deps.audit.append(caller.tenantId, {
        ...base,
        action: 'tool_call',
        decision: 'allow',
        rule: verdict.rule,
        output: await this.deps.mask(caller.tenantId, outcome.result),
        metadata: {
          direct: true,
          latency_ms: latencyMs,
          is_error: outcome.result.isError,
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
}
