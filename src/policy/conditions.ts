import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { DecisionRequest } from '../contracts/index.ts';

/**
 * Gate conditions are CEL over five variables: `input` (the tool call's arguments), `tool` (its
 * name), `run` ({id, tainted, taint_reasons, steps, agent}), `principal` ({name, kind, roles,
 * groups}) and `agent` ({name, version}). `run`, `principal` and `agent` are typed, so a misspelt
 * field is rejected when the policy is compiled; `input` is a map of dynamic values. JSON numbers
 * in `input` are CEL doubles; `run.steps` and `agent.version` are ints.
 */
class PrincipalVariable {
  constructor(
    readonly name: string,
    readonly kind: string,
    readonly roles: string[],
    readonly groups: string[],
  ) {}
}

class RunVariable {
  constructor(
    readonly id: string,
    readonly tainted: boolean,
    readonly taint_reasons: string[],
    readonly steps: bigint,
    readonly agent: string,
  ) {}
}

class AgentVariable {
  constructor(
    readonly name: string,
    readonly version: bigint,
  ) {}
}

function conditionEnvironment(): Environment {
  return new Environment()
    .registerType('Principal', {
      ctor: PrincipalVariable,
      fields: { name: 'string', kind: 'string', roles: 'list<string>', groups: 'list<string>' },
    })
    .registerType('Run', {
      ctor: RunVariable,
      fields: { id: 'string', tainted: 'bool', taint_reasons: 'list<string>', steps: 'int', agent: 'string' },
    })
    .registerType('Agent', { ctor: AgentVariable, fields: { name: 'string', version: 'int' } })
    .registerVariable('input', 'map<string, dyn>')
    .registerVariable('tool', 'string')
    .registerVariable('principal', 'Principal')
    .registerVariable('run', 'Run')
    .registerVariable('agent', 'Agent');
}

/**
 * Built on first use and shared: creating an environment is the expensive part of cel-js, and it
 * is immutable once its types and variables are registered.
 */
let sharedEnvironment: Environment | undefined;
const environment = (): Environment => {
  sharedEnvironment ??= conditionEnvironment();
  return sharedEnvironment;
};

export type ConditionContext = Record<'input' | 'tool' | 'principal' | 'run' | 'agent', unknown>;

/** A compiled condition: call it with a context from conditionContext(). */
export interface Condition {
  readonly source: string;
  readonly program: ParseResult;
}

/**
 * Parses and type-checks `expression`. Returns the condition, or the problem as a field-error
 * detail with line and column ("CEL error at line 1, column 7: …").
 */
export function compileCondition(expression: string): Condition | string {
  let program: ParseResult;
  try {
    program = environment().parse(expression);
  } catch (error) {
    return `CEL ${position(expression, error)}${summary(error)}`;
  }
  const checked = environment().check(expression);
  if (!checked.valid) return `CEL ${position(expression, checked.error)}${summary(checked.error)}`;
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return `a condition must be a boolean expression, this one is ${checked.type}`;
  }
  return { source: expression, program };
}

/** The CEL variables of one request; built once per decision, shared by every condition. */
export function conditionContext(request: DecisionRequest): ConditionContext {
  const { principal, agent, run } = request;
  return {
    input: request.tool?.args ?? {},
    tool: request.tool?.name ?? '',
    principal: new PrincipalVariable(principal.name, principal.kind, principal.roles, principal.groups),
    run: new RunVariable(
      run?.id ?? '',
      run?.tainted ?? false,
      run?.taint_reasons ?? [],
      BigInt(run?.steps ?? 0),
      agent.name,
    ),
    agent: new AgentVariable(agent.name, BigInt(agent.version)),
  };
}

/** A condition's value, or the evaluation error's summary (a missing key, a non-boolean result). */
export function runCondition(condition: Condition, context: ConditionContext): boolean | { error: string } {
  try {
    const result: unknown = condition.program(context);
    if (typeof result === 'boolean') return result;
    return { error: `yielded ${result === null ? 'null' : typeof result}, not a boolean` };
  } catch (error) {
    return { error: summary(error) };
  }
}

/** "error at line L, column C: " from a cel-js error's source range, or "error: " without one. */
function position(expression: string, error: unknown): string {
  const start =
    typeof error === 'object' && error !== null && 'range' in error
      ? (error.range as { start?: unknown } | undefined)?.start
      : undefined;
  if (typeof start !== 'number') return 'error: ';
  const before = expression.slice(0, start);
  const line = before.split('\n').length;
  const column = start - before.lastIndexOf('\n');
  return `error at line ${line}, column ${column}: `;
}

/** cel-js messages carry a code frame after the first line; the summary is the first line. */
function summary(error: unknown): string {
  if (error instanceof Error) return (error.message.split('\n')[0] ?? error.message).trim();
  return String(error);
}
