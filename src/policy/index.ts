export { type CompileOptions, compilePolicy } from './compile.ts';
export type { CompiledPolicy } from './compiled.ts';
export {
  DEFAULT_DENY_MODELS_RULE,
  DEFAULT_DENY_TOOLS_RULE,
  evaluate,
  MALFORMED_REQUEST_RULE,
  TAINT_APPROVERS,
  TAINT_RULE,
} from './decide.ts';
export { explainDecision } from './explain.ts';
export { compileGlob, type Glob } from './glob.ts';
export { denyOverQuota, type QuotaOverrun, quotaCounters } from './quotas.ts';
export { SANDBOX_EGRESS_TOOL, sandboxEgressAllowlist, scopeLimits } from './scope-limits.ts';
