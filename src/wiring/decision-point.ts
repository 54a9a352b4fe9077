import type { Tracer } from '@opentelemetry/api';
import { SPAN_ATTRIBUTES as A, type DecisionRequest, SPAN_NAMES } from '../contracts/index.ts';
import { inSpan } from '../core/index.ts';
import type { DecisionInput, DecisionPoint, Verdict } from '../orchestrator/index.ts';
import { denyOverQuota, evaluate, type QuotaOverrun, quotaCounters, TAINT_RULE } from '../policy/index.ts';
import type { Cache } from '../store/index.ts';
import type { TenantPolicies } from './tenant-policies.ts';

const WINDOW_MS = { minute: 60_000, day: 86_400_000, month: 31 * 86_400_000 } as const;

/** The current bucket of a window (UTC), so a counter starts again each minute / day / month. */
function bucket(window: 'minute' | 'day' | 'month', now: Date): string {
  const iso = now.toISOString();
  if (window === 'minute') return iso.slice(0, 16);
  if (window === 'day') return iso.slice(0, 10);
  return iso.slice(0, 7);
}

const asArgs = (args: unknown): Record<string, unknown> =>
  args && typeof args === 'object' && !Array.isArray(args)
    ? (args as Record<string, unknown>)
    : { value: args };

export function toDecisionRequest(tenantId: string, input: DecisionInput): DecisionRequest {
  return {
    action: input.action,
    ...(input.tool
      ? {
          tool: { name: input.tool.name, args: asArgs(input.tool.args), destructive: input.tool.destructive },
        }
      : {}),
    ...(input.model ? { model: input.model } : {}),
    principal: {
      name: input.principal.name,
      kind: input.principal.kind === 'service_account' ? 'service_account' : 'user',
      roles: input.principal.roles,
      groups: input.principal.groups,
    },
    agent: input.agent,
    run: input.run,
    tenant: tenantId,
  };
}

/**
 * The PDP over the tenant's live policies, with quotas counted in the cache (memory on a laptop,
 * Redis for a team): calls are counted when decided, tokens when spent.
 */
export class CachedDecisionPoint implements DecisionPoint {
  constructor(
    private readonly policies: TenantPolicies,
    private readonly cache: Cache,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async decide(tenantId: string, input: DecisionInput): Promise<Verdict> {
    const compiled = await this.policies.get(tenantId);
    const request = toDecisionRequest(tenantId, input);
    let decision = evaluate(compiled, request);
    if (decision.effect !== 'deny') {
      const overruns: QuotaOverrun[] = [];
      const now = this.now();
      for (const counter of quotaCounters(compiled, request)) {
        const key = `quota:${counter.key}:${bucket(counter.window, now)}`;
        const used = await this.cache.increment(
          key,
          counter.unit === 'calls' ? 1 : 0,
          WINDOW_MS[counter.window],
        );
        if (used > counter.limit || (counter.unit === 'tokens' && used >= counter.limit)) {
          overruns.push({ counter, used });
        }
      }
      decision = denyOverQuota(decision, overruns);
    }
    if (decision.effect === 'deny') {
      return {
        effect: 'deny',
        rule: decision.rule ?? 'policy',
        reason: decision.reason ?? 'denied by policy',
      };
    }
    if (decision.effect === 'require_approval') {
      return {
        effect: 'require_approval',
        rule: decision.rule ?? decision.gates[0]?.rule ?? 'approval',
        reason: decision.reason ?? decision.gates.map((g) => g.reason).join('; '),
        gates: decision.gates.map((gate) => ({
          rule: gate.rule,
          approvers: gate.approvers,
          minApprovals: gate.min_approvals,
          timeoutMs: gate.timeout_ms,
          onTimeout: gate.on_timeout,
          reason: gate.reason,
          taint: gate.rule === TAINT_RULE,
        })),
      };
    }
    return {
      effect: 'allow',
      rule: decision.rule,
      dryRun: decision.constraints.dry_run,
      maxTokens: decision.constraints.max_tokens,
    };
  }

  async consume(tenantId: string, input: DecisionInput, tokens: number): Promise<void> {
    if (tokens <= 0 || input.action !== 'model_call') return;
    const compiled = await this.policies.get(tenantId);
    const now = this.now();
    for (const counter of quotaCounters(compiled, toDecisionRequest(tenantId, input))) {
      if (counter.unit !== 'tokens') continue;
      await this.cache.increment(
        `quota:${counter.key}:${bucket(counter.window, now)}`,
        tokens,
        WINDOW_MS[counter.window],
      );
    }
  }
}

/**
 * Each decision as a `PDP.Evaluate` span: the action, the verdict, the rule behind it and the
 * caller's first group (no arguments). Denials feed `pdp_block_total{policy_rule,user_group}`.
 */
export class TracedDecisionPoint implements DecisionPoint {
  constructor(
    private readonly inner: DecisionPoint,
    private readonly tracer: Tracer,
  ) {}

  decide(tenantId: string, input: DecisionInput): Promise<Verdict> {
    return inSpan(
      this.tracer,
      SPAN_NAMES.pdp,
      {
        [A.pdpAction]: input.action,
        [A.tenantId]: tenantId,
        [A.userGroup]: input.principal.groups[0] ?? 'none',
        ...(input.tool ? { [A.toolName]: input.tool.name } : {}),
        ...(input.model ? { [A.genAiRequestModel]: input.model.name } : {}),
      },
      async (span) => {
        const verdict = await this.inner.decide(tenantId, input);
        span.setAttributes({
          [A.pdpDecision]: verdict.effect,
          ...(verdict.rule ? { [A.pdpRule]: verdict.rule } : {}),
        });
        return verdict;
      },
    );
  }

  consume(tenantId: string, input: DecisionInput, tokens: number): Promise<void> {
    return this.inner.consume(tenantId, input, tokens);
  }
}
