import { AppError } from '../core/index.ts';
import { compilePolicy } from '../policy/index.ts';
import type { PolicySpecCheck } from '../registry/index.ts';

/** Policies compile on apply (globs, CIDRs, hosts, CEL, regexes): a bad one is refused with its location. */
export const checkPolicySpec: PolicySpecCheck = (name, spec, prefix) => {
  try {
    compilePolicy(spec, { name, version: 0, pointerPrefix: prefix });
    return [];
  } catch (error) {
    if (error instanceof AppError && error.fieldErrors) return error.fieldErrors;
    throw error;
  }
};
