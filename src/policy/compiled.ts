import type {
  GateTimeoutAction,
  PolicyAction,
  PolicySpec,
  QuotaScope,
  QuotaUnit,
  QuotaWindow,
  RbacEffect,
} from '../contracts/index.ts';
import type { Condition } from './conditions.ts';
import type { Glob } from './glob.ts';
import type { Cidr, HostPattern } from './network.ts';
import type { RuleIndex } from './rule-index.ts';

/** Whom an rbac rule is about, by kind; `any` for the `*` subject. */
export interface SubjectMatcher {
  readonly any: boolean;
  readonly role: readonly Glob[];
  readonly group: readonly Glob[];
  readonly principal: readonly Glob[];
  readonly agent: readonly Glob[];
}

export interface CompiledRbacRule {
  readonly id: string;
  readonly effect: RbacEffect;
  readonly subjects: SubjectMatcher;
  readonly tools: readonly Glob[] | undefined;
  readonly models: readonly Glob[] | undefined;
  readonly blockedTools: readonly Glob[];
  readonly dryRun: boolean;
  readonly maxTokens: number | undefined;
}

export interface CompiledScope {
  readonly id: string;
  readonly tool: Glob;
  readonly arg: string;
  readonly path: readonly string[];
  readonly cidrs: readonly Cidr[] | undefined;
  readonly hosts: readonly HostPattern[] | undefined;
  readonly values: readonly (string | number | boolean)[] | undefined;
  readonly pattern: RegExp | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

export interface CompiledGate {
  readonly id: string;
  readonly tool: Glob;
  /** Undefined for "always" or no condition. */
  readonly condition: Condition | undefined;
  readonly approvers: readonly string[];
  readonly minApprovals: number;
  readonly timeoutMs: number;
  readonly onTimeout: GateTimeoutAction;
}

export interface QuotaLimit {
  readonly limit: number;
  readonly window: QuotaWindow;
  readonly unit: QuotaUnit;
}

export interface CompiledQuota {
  readonly id: string;
  readonly scope: QuotaScope;
  readonly match: Glob | undefined;
  readonly action: PolicyAction | undefined;
  readonly limits: readonly QuotaLimit[];
}

/**
 * A policy ready for decisions: globs, CIDRs, hosts, patterns and CEL programs compiled once.
 * Immutable but for `index`, a bounded memo of which rules apply to which tool or model.
 */
export interface CompiledPolicy {
  readonly name: string;
  readonly version: number;
  /** `NAME@VERSION`, as decisions list the policies they consulted. */
  readonly ref: string;
  /** The parsed document, defaults applied (the guard reads pii_masking and injection from it). */
  readonly spec: PolicySpec;
  readonly rbac: readonly CompiledRbacRule[];
  readonly scopes: readonly CompiledScope[];
  readonly gates: readonly CompiledGate[];
  readonly quotas: readonly CompiledQuota[];
  /** Some allow rule names tools (models): calls matching no allow rule are denied. */
  readonly toolsAllowList: boolean;
  readonly modelsAllowList: boolean;
  readonly index: RuleIndex;
}
