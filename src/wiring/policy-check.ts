import type { FieldError } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import { compilePiiConfig } from '../guard/index.ts';
import { compilePolicy } from '../policy/index.ts';
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
];
