import { EGRESS_RULE_PATTERN, type FieldError } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import { compilePiiConfig } from '../guard/index.ts';
import { compilePolicy, SANDBOX_EGRESS_TOOL } from '../policy/index.ts';
import type { PolicySpecCheck } from '../registry/index.ts';

function problemsOf(check: () => unknown): FieldError[] {
  try {
    check();
    return [];
  } catch (error) {
    if (error instanceof AppError && error.fieldErrors) return error.fieldErrors;
    throw error;
  }
}

/**
 * Policies compile on apply (globs, CIDRs, hosts, CEL), and their PII rules compile as the guard
 * will run them (RE2, no catastrophic patterns): a bad one is refused with its location rather
 * than accepted and failing every run of the tenant later.
 */
export const checkPolicySpec: PolicySpecCheck = (name, spec, prefix) => [
  ...problemsOf(() => compilePolicy(spec, { name, version: 0, pointerPrefix: prefix })),
  ...(spec.pii_masking ? problemsOf(() => compilePiiConfig(spec.pii_masking, `${prefix}/pii_masking`)) : []),
  ...egressProblems(spec, prefix),
];

/** Sandbox egress rules are host:port destinations; anything else would silently allow nothing. */
function egressProblems(spec: Parameters<PolicySpecCheck>[1], prefix: string): FieldError[] {
  const problems: FieldError[] = [];
  (spec.scopes ?? []).forEach((scope, index) => {
    if (scope.tool !== SANDBOX_EGRESS_TOOL || scope.arg !== 'destination') return;
    if (!scope.values) {
      problems.push({
        pointer: `${prefix}/scopes/${index}/values`,
        detail: 'sandbox egress lists host:port values',
      });
      return;
    }
    scope.values.forEach((value, at) => {
      if (typeof value !== 'string' || !EGRESS_RULE_PATTERN.test(value))
        problems.push({
          pointer: `${prefix}/scopes/${index}/values/${at}`,
          detail: `${JSON.stringify(value)} is not host:port (a leading *. matches subdomains; port may be *)`,
        });
    });
  });
  return problems;
}
