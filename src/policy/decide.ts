import type { Decision, DecisionGate, DecisionRequest } from '../contracts/index.ts';
import type { CompiledPolicy, SubjectMatcher } from './compiled.ts';
import { type ConditionContext, conditionContext, runCondition } from './conditions.ts';
import type { Glob } from './glob.ts';
import { scopeViolation } from './scope-check.ts';

/** Names the built-in rules; `@` cannot start a policy name, so they never collide. */
export const DEFAULT_DENY_TOOLS_RULE = '@builtin/rbac/default-deny-tools';
export const DEFAULT_DENY_MODELS_RULE = '@builtin/rbac/default-deny-models';
export const TAINT_RULE = '@builtin/taint/destructive';
/** Denies a tool_call without `tool` or a model_call without `model`: nothing to decide about. */
export const MALFORMED_REQUEST_RULE = '@builtin/request/malformed';
/** Who approves a destructive call in a tainted run, whatever the policies say. */
export const TAINT_APPROVERS = ['role:approver', 'role:admin'] as const;
const TAINT_TIMEOUT_MS = 86_400_000;

interface Denial {
  rule: string;
  reason: string;
}

/**
 * The policy decision point: what all of a tenant's policies say about one tool or model call.
 * Pure, synchronous, and does not throw for any valid request.
 *
 * - Deny overrides: any matching rbac deny, a scope violation, a blocked-tool constraint of a
 *   matching allow rule, or the opt-in default deny (some allow rule names tools / models, none
 *   matches) makes the decision `deny`; `rule` names the first such rule.
 * - Else any matching approval gate makes it `require_approval`, listing every matching gate. A
 *   gate condition that fails to evaluate counts as matching (a human decides) and is reported in
 *   `warnings` and the gate's reason.
 * - Taint: a destructive tool in a tainted run always needs approval (TAINT_APPROVERS).
 * - Else `allow`, with the constraints of every matching allow rule merged: blocked tools united,
 *   dry_run OR-ed, the smallest max_tokens.
 * Quotas are not counted here: see quotaCounters() and denyOverQuota().
 */
export function evaluate(policies: readonly CompiledPolicy[], request: DecisionRequest): Decision {
  const matched: string[] = [];
  const warnings: string[] = [];
  const gates: DecisionGate[] = [];
  const blocked: { glob: Glob; rule: string }[] = [];
  let denial: Denial | undefined;
  let firstAllow: string | undefined;
  let allowListed = false;
  let dryRun = false;
  let maxTokens: number | undefined;
  let context: ConditionContext | undefined;
  const tool = request.action === 'tool_call' ? request.tool : undefined;
  const model = request.action === 'model_call' ? request.model : undefined;
  const modelKey = model ? `${model.backend}/${model.name}` : undefined;
  if (!tool && !modelKey) {
    denial = {
      rule: MALFORMED_REQUEST_RULE,
      reason: `a ${request.action} request needs its ${request.action === 'tool_call' ? 'tool' : 'model'}`,
    };
  }

  for (const policy of policies) {
    const toolRules = tool ? policy.index.forTool(tool.name) : undefined;
    const rbac = toolRules?.rbac ?? (modelKey ? policy.index.forModel(modelKey) : []);
    allowListed ||= tool ? policy.toolsAllowList : policy.modelsAllowList;
    for (const rule of rbac) {
      if (!subjectsMatch(rule.subjects, request)) continue;
      matched.push(rule.id);
      if (rule.effect === 'deny') {
        denial ??= { rule: rule.id, reason: `denied by rbac rule ${rule.id}` };
        continue;
      }
      firstAllow ??= rule.id;
      for (const glob of rule.blockedTools) blocked.push({ glob, rule: rule.id });
      dryRun ||= rule.dryRun;
      if (rule.maxTokens !== undefined) maxTokens = Math.min(maxTokens ?? rule.maxTokens, rule.maxTokens);
    }
    if (!tool || !toolRules) continue;
    for (const scope of toolRules.scopes) {
      matched.push(scope.id);
      const violation = scopeViolation(scope, tool.args);
      if (violation && !denial) denial = { rule: scope.id, reason: `scope ${scope.id}: ${violation}` };
    }
    for (const gate of toolRules.gates) {
      let note = 'always';
      if (gate.condition) {
        context ??= conditionContext(request);
        const result = runCondition(gate.condition, context);
        if (result === false) continue;
        if (result === true) note = `condition ${gate.condition.source} is true`;
        else {
          note = `condition ${gate.condition.source} failed (${result.error}); treated as matching`;
          warnings.push(`${gate.id}: ${note}`);
        }
      }
      matched.push(gate.id);
      gates.push({
        rule: gate.id,
        approvers: [...gate.approvers],
        min_approvals: gate.minApprovals,
        timeout_ms: gate.timeoutMs,
        on_timeout: gate.onTimeout,
        reason: `${tool.name} matches gate ${gate.id}: ${note}`,
      });
    }
  }

  if (tool && !denial) {
    const hit = blocked.find((entry) => entry.glob.test(tool.name));
    if (hit) denial = { rule: hit.rule, reason: `${tool.name} is in blocked_tools of ${hit.rule}` };
  }
  if (allowListed && firstAllow === undefined && !denial) {
    denial = tool
      ? {
          rule: DEFAULT_DENY_TOOLS_RULE,
          reason: `no rbac rule allows ${request.principal.name} to call ${tool.name}`,
        }
      : {
          rule: DEFAULT_DENY_MODELS_RULE,
          reason: `no rbac rule allows ${request.principal.name} to use ${modelKey}`,
        };
  }
  if (tool?.destructive && request.run?.tainted) {
    const reasons = request.run.taint_reasons?.length
      ? request.run.taint_reasons.join('; ')
      : 'no reason recorded';
    matched.push(TAINT_RULE);
    gates.push({
      rule: TAINT_RULE,
      approvers: [...TAINT_APPROVERS],
      min_approvals: 1,
      timeout_ms: TAINT_TIMEOUT_MS,
      on_timeout: 'reject',
      reason: `run is tainted (${reasons}) and ${tool.name} is destructive`,
    });
  }

  const constraints = {
    blocked_tools: [...new Set(blocked.map((entry) => entry.glob.source))],
    dry_run: dryRun,
    ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
  };
  const base = { constraints, matched, warnings, policies: policies.map((policy) => policy.ref) };
  if (denial) return { effect: 'deny', rule: denial.rule, reason: denial.reason, gates: [], ...base };
  const first = gates[0];
  if (first) {
    const reason =
      gates.length === 1 ? first.reason : `${gates.length} approval gates match; first: ${first.reason}`;
    return { effect: 'require_approval', rule: first.rule, reason, gates, ...base };
  }
  if (firstAllow !== undefined) {
    return {
      effect: 'allow',
      rule: firstAllow,
      reason: `allowed by rbac rule ${firstAllow}`,
      gates,
      ...base,
    };
  }
  return { effect: 'allow', reason: 'no rule denies or gates this call', gates, ...base };
}

function subjectsMatch(subjects: SubjectMatcher, request: DecisionRequest): boolean {
  if (subjects.any) return true;
  const { principal, agent } = request;
  return (
    anyOf(subjects.principal, principal.name) ||
    anyOf(subjects.agent, agent.name) ||
    anyOfList(subjects.role, principal.roles) ||
    anyOfList(subjects.group, principal.groups)
  );
}

function anyOf(globs: readonly Glob[], value: string): boolean {
  for (const glob of globs) if (glob.test(value)) return true;
  return false;
}

function anyOfList(globs: readonly Glob[], values: readonly string[]): boolean {
  for (const glob of globs) for (const value of values) if (glob.test(value)) return true;
  return false;
}
