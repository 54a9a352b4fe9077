import type { Decision, DecisionRequest, QuotaCounter, QuotaScope } from '../contracts/index.ts';
import { assertNever } from '../core/index.ts';
import type { CompiledPolicy } from './compiled.ts';

/**
 * The quota counters a request touches, for the server's counter store to check and increment.
 * Pure: the store owns time. A counter's `key` is stable across policy versions (tenant, policy,
 * rule, scope value, unit, window) and carries no time bucket: the store appends the current
 * minute / UTC day / UTC month. `calls` counters count this call; `tokens` counters (model calls
 * only) are checked before the call and incremented by the tokens it spent.
 */
export function quotaCounters(policies: readonly CompiledPolicy[], request: DecisionRequest): QuotaCounter[] {
  const counters: QuotaCounter[] = [];
  for (const policy of policies) {
    for (const quota of policy.quotas) {
      if (quota.action !== undefined && quota.action !== request.action) continue;
      const value = scopeValue(quota.scope, request);
      if (value === undefined || (quota.match && !quota.match.test(value))) continue;
      for (const { limit, window, unit } of quota.limits) {
        if (unit === 'tokens' && request.action !== 'model_call') continue;
        counters.push({
          rule: quota.id,
          key: `${encodeURIComponent(request.tenant)}:${quota.id}:${quota.scope}=${encodeURIComponent(value)}:${unit}/${window}`,
          limit,
          window,
          unit,
          scope: quota.scope,
          value,
        });
      }
    }
  }
  return counters;
}

function scopeValue(scope: QuotaScope, request: DecisionRequest): string | undefined {
  switch (scope) {
    case 'tenant':
      return request.tenant;
    case 'agent':
      return request.agent.name;
    case 'user':
      return request.principal.name;
    case 'tool':
      return request.action === 'tool_call' ? request.tool?.name : undefined;
    default:
      return assertNever(scope);
  }
}

/** A counter the store found spent: `used` already counted in this window. */
export interface QuotaOverrun {
  counter: QuotaCounter;
  used: number;
}

/**
 * Folds spent quotas into a decision: with none, the decision is returned unchanged; otherwise a
 * deny naming the first spent counter's rule (an existing deny stays, deny overrides). The spent
 * rules join `matched` either way.
 */
export function denyOverQuota(decision: Decision, overruns: readonly QuotaOverrun[]): Decision {
  const first = overruns[0];
  if (!first) return decision;
  const matched = [...decision.matched, ...new Set(overruns.map((overrun) => overrun.counter.rule))];
  if (decision.effect === 'deny') return { ...decision, matched };
  const { counter, used } = first;
  return {
    ...decision,
    effect: 'deny',
    rule: counter.rule,
    reason: `quota ${counter.rule} exceeded: ${used} of ${counter.limit} ${counter.unit} per ${counter.window} for ${counter.scope} ${counter.value}`,
    gates: [],
    matched,
  };
}
