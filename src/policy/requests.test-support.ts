import type { DecisionRequest } from '../contracts/index.ts';
import { compilePolicy } from './compile.ts';
import type { CompiledPolicy } from './compiled.ts';

/** Compiles a spec as policy `name` version 1. */
export function policy(name: string, spec: unknown): CompiledPolicy {
  return compilePolicy(spec, { name, version: 1 });
}

/** A tool call by alice (operator, group soc) through agent secops-triage; override any part. */
export function toolCall(
  name: string,
  args: Record<string, unknown> = {},
  overrides: Partial<DecisionRequest> = {},
): DecisionRequest {
  return {
    action: 'tool_call',
    tool: { name, args },
    principal: { name: 'alice', kind: 'user', roles: ['operator'], groups: ['soc'] },
    agent: { name: 'secops-triage', version: 3 },
    run: { id: 'run-1', tainted: false, steps: 2 },
    tenant: 'acme',
    ...overrides,
  };
}

export function modelCall(
  backend: string,
  name: string,
  overrides: Partial<DecisionRequest> = {},
): DecisionRequest {
  return {
    action: 'model_call',
    model: { backend, name },
    principal: { name: 'alice', kind: 'user', roles: ['operator'], groups: ['soc'] },
    agent: { name: 'secops-triage', version: 3 },
    tenant: 'acme',
    ...overrides,
  };
}
