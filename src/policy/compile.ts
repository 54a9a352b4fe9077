import {
  type ApprovalGate,
  durationToMs,
  type FieldError,
  type PolicySpec,
  PolicySpecSchema,
  type QuotaRule,
  type RbacRule,
  type ScopeRule,
} from '../contracts/index.ts';
import { invalid, parseOrThrow } from '../core/index.ts';
import type {
  CompiledGate,
  CompiledPolicy,
  CompiledQuota,
  CompiledRbacRule,
  CompiledScope,
  QuotaLimit,
  SubjectMatcher,
} from './compiled.ts';
import { compileCondition } from './conditions.ts';
import { compileGlob, type Glob, GlobError } from './glob.ts';
import { type Cidr, type HostPattern, parseCidr, parseHostPattern } from './network.ts';
import { RuleIndex } from './rule-index.ts';

export interface CompileOptions {
  /** The policy's name (metadata.name); rule ids start with it. */
  name: string;
  version: number;
  /** Prefix of every field-error pointer, e.g. `/spec` when the spec sits in a manifest. */
  pointerPrefix?: string;
}

/** Gates wait at most this long: a longer wait is almost certainly a typo. */
const MAX_GATE_TIMEOUT_MS = 30 * 86_400_000;

/**
 * Validates and compiles one policy document (an unparsed `spec`). Throws INVALID_REQUEST with a
 * field error per problem, pointing into the spec: unknown sections or fields, malformed globs,
 * CIDRs, hosts or patterns, CEL conditions that do not parse or type-check (with line and column),
 * bad durations. Pure and deterministic; call it on apply and again when loading stored policies.
 */
export function compilePolicy(spec: unknown, options: CompileOptions): CompiledPolicy {
  const prefix = options.pointerPrefix ?? '';
  const parsed: PolicySpec = parseOrThrow(PolicySpecSchema, spec, `policy ${options.name}`, prefix);
  const problems: FieldError[] = [];
  const at = (pointer: string) => ({
    glob: (pattern: string): Glob => {
      try {
        return compileGlob(pattern);
      } catch (error) {
        if (!(error instanceof GlobError)) throw error;
        problems.push({ pointer: prefix + pointer, detail: error.message });
        return compileGlob('?*');
      }
    },
    problem: (detail: string) => problems.push({ pointer: prefix + pointer, detail }),
  });
  const ruleId = (section: string, name: string | undefined, index: number) =>
    `${options.name}/${section}/${name ?? index}`;

  const rbac = (parsed.rbac ?? []).map((rule, index) =>
    compileRbacRule(rule, ruleId('rbac', rule.name, index), `/rbac/${index}`, at),
  );
  const scopes = (parsed.scopes ?? []).map((rule, index) =>
    compileScope(rule, ruleId('scopes', rule.name, index), `/scopes/${index}`, at),
  );
  const gates = (parsed.approval_gates ?? []).map((gate, index) =>
    compileGate(gate, ruleId('approval_gates', gate.name, index), `/approval_gates/${index}`, at),
  );
  const quotas = (parsed.quotas ?? []).map((rule, index) =>
    compileQuota(rule, ruleId('quotas', rule.name, index), `/quotas/${index}`, at),
  );
  if (problems.length > 0) {
    const first = problems[0] as FieldError;
    throw invalid(`policy ${options.name} is invalid (${first.pointer}: ${first.detail})`, problems);
  }
  const allows = rbac.filter((rule) => rule.effect === 'allow');
  return {
    name: options.name,
    version: options.version,
    ref: `${options.name}@${options.version}`,
    spec: parsed,
    rbac,
    scopes,
    gates,
    quotas,
    toolsAllowList: allows.some((rule) => rule.tools !== undefined),
    modelsAllowList: allows.some((rule) => rule.models !== undefined),
    index: new RuleIndex(rbac, scopes, gates),
  };
}

type At = (pointer: string) => { glob(pattern: string): Glob; problem(detail: string): void };

function compileRbacRule(rule: RbacRule, id: string, pointer: string, at: At): CompiledRbacRule {
  const subjects = { any: false, role: [], group: [], principal: [], agent: [] } as {
    any: boolean;
  } & Record<'role' | 'group' | 'principal' | 'agent', Glob[]>;
  rule.subjects.forEach((subject, index) => {
    if (subject === '*') {
      subjects.any = true;
      return;
    }
    const colon = subject.indexOf(':');
    const kind = subject.slice(0, colon) as 'role' | 'group' | 'principal' | 'agent';
    subjects[kind].push(at(`${pointer}/subjects/${index}`).glob(subject.slice(colon + 1)));
  });
  const globs = (list: readonly string[] | undefined, field: string) =>
    list?.map((pattern, index) => at(`${pointer}/${field}/${index}`).glob(pattern));
  return {
    id,
    effect: rule.effect,
    subjects: subjects satisfies SubjectMatcher,
    tools: globs(rule.tools, 'tools'),
    models: globs(rule.models, 'models'),
    blockedTools: globs(rule.constraints?.blocked_tools, 'constraints/blocked_tools') ?? [],
    dryRun: rule.constraints?.dry_run ?? false,
    maxTokens: rule.constraints?.max_tokens,
  };
}

function compileScope(rule: ScopeRule, id: string, pointer: string, at: At): CompiledScope {
  const cidrs = rule.cidrs?.map((text, index): Cidr | undefined => {
    const cidr = parseCidr(text);
    if (!cidr)
      at(`${pointer}/cidrs/${index}`).problem(`${text} is not a CIDR (e.g. 10.0.0.0/8 or 2001:db8::/32)`);
    return cidr;
  });
  const hosts = rule.hosts?.map((text, index): HostPattern | undefined => {
    const host = parseHostPattern(text);
    if (!host)
      at(`${pointer}/hosts/${index}`).problem(`${text} is not a host name or *.host name (lowercase)`);
    return host;
  });
  let pattern: RegExp | undefined;
  if (rule.pattern !== undefined) {
    try {
      pattern = new RegExp(`^(?:${rule.pattern})$`, 'u');
    } catch (error) {
      at(`${pointer}/pattern`).problem(`not a valid regular expression: ${(error as Error).message}`);
    }
  }
  if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
    at(`${pointer}/min`).problem('min must not exceed max');
  }
  return {
    id,
    tool: at(`${pointer}/tool`).glob(rule.tool),
    arg: rule.arg,
    path: rule.arg.split('.'),
    cidrs: cidrs?.filter((cidr) => cidr !== undefined),
    hosts: hosts?.filter((host) => host !== undefined),
    values: rule.values,
    pattern,
    min: rule.min,
    max: rule.max,
  };
}

function compileGate(gate: ApprovalGate, id: string, pointer: string, at: At): CompiledGate {
  let condition: CompiledGate['condition'];
  if (gate.condition !== undefined && gate.condition.trim() !== 'always') {
    const compiled = compileCondition(gate.condition);
    if (typeof compiled === 'string') at(`${pointer}/condition`).problem(compiled);
    else condition = compiled;
  }
  const timeoutMs = durationToMs(gate.timeout);
  if (timeoutMs <= 0 || timeoutMs > MAX_GATE_TIMEOUT_MS) {
    at(`${pointer}/timeout`).problem('timeout must be more than 0 and at most 30d');
  }
  return {
    id,
    tool: at(`${pointer}/tool_pattern`).glob(gate.tool_pattern),
    condition,
    approvers: gate.approvers,
    minApprovals: gate.min_approvals,
    timeoutMs,
    onTimeout: gate.on_timeout,
  };
}

function compileQuota(rule: QuotaRule, id: string, pointer: string, at: At): CompiledQuota {
  const limits: QuotaLimit[] = [];
  if (rule.calls_per_minute !== undefined) {
    limits.push({ limit: rule.calls_per_minute, window: 'minute', unit: 'calls' });
  }
  if (rule.tokens_per_day !== undefined)
    limits.push({ limit: rule.tokens_per_day, window: 'day', unit: 'tokens' });
  if (rule.tokens_per_month !== undefined) {
    limits.push({ limit: rule.tokens_per_month, window: 'month', unit: 'tokens' });
  }
  return {
    id,
    scope: rule.scope,
    match: rule.match === undefined ? undefined : at(`${pointer}/match`).glob(rule.match),
    action: rule.action,
    limits,
  };
}
