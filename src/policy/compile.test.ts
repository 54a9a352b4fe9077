import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.ts';
import { compilePolicy } from './compile.ts';

/** The field errors compilePolicy throws for `spec` (fails the test if it compiles). */
function problemsOf(spec: unknown, pointerPrefix?: string) {
  try {
    compilePolicy(spec, { name: 'p', version: 1, ...(pointerPrefix ? { pointerPrefix } : {}) });
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_REQUEST');
    return (error as AppError).fieldErrors ?? [];
  }
  throw new Error('expected the policy to be rejected');
}

const gate = (extra: Record<string, unknown>) => ({ tool_pattern: 'x', approvers: ['role:admin'], ...extra });

describe('compilePolicy', () => {
  it('compiles an empty policy', () => {
    const compiled = compilePolicy({}, { name: 'empty', version: 4 });
    expect(compiled.ref).toBe('empty@4');
    expect(compiled.toolsAllowList).toBe(false);
  });

  it('applies gate defaults: one approval, 24h, reject on timeout', () => {
    const compiled = compilePolicy({ approval_gates: [gate({})] }, { name: 'p', version: 1 });
    expect(compiled.gates[0]).toMatchObject({
      id: 'p/approval_gates/0',
      minApprovals: 1,
      timeoutMs: 86_400_000,
    });
    expect(compiled.gates[0]?.onTimeout).toBe('reject');
    expect(compiled.gates[0]?.condition).toBeUndefined();
  });

  it('rejects an unknown section and an unknown field', () => {
    expect(problemsOf({ firewall: {} })).toEqual([
      { pointer: '/firewall', detail: 'unknown field(s): firewall' },
    ]);
    expect(problemsOf({ approval_gates: [gate({ approver: 'x' })] })).toEqual([
      { pointer: '/approval_gates/0/approver', detail: 'unknown field(s): approver' },
    ]);
  });

  it('points at the bad CIDR, under the given prefix', () => {
    const spec = { scopes: [{ tool: 'firewall_block_ip', arg: 'ip', cidrs: ['10.0.0.0/8', '10.0.0.0/40'] }] };
    expect(problemsOf(spec)).toEqual([
      { pointer: '/scopes/0/cidrs/1', detail: expect.stringContaining('not a CIDR') },
    ]);
    expect(problemsOf(spec, '/spec')[0]?.pointer).toBe('/spec/scopes/0/cidrs/1');
  });

  it('rejects a condition that does not parse, with its line and column', () => {
    const problems = problemsOf({
      approval_gates: [gate({}), gate({ condition: "input.cmd.contains('rm') ||" })],
    });
    expect(problems).toEqual([
      {
        pointer: '/approval_gates/1/condition',
        detail: 'CEL error at line 1, column 28: Unexpected token: EOF',
      },
    ]);
  });

  it('rejects a condition that does not type-check: unknown fields, variables and non-booleans', () => {
    const details = problemsOf({
      approval_gates: [
        gate({ condition: "principal.nmae == 'x'" }),
        gate({ condition: 'user.admin' }),
        gate({ condition: "tool + 'x'" }),
        gate({ condition: 'run.steps\n  + tool' }),
        gate({ condition: "run.tainted &&\n  principal.nmae == 'x'" }),
      ],
    });
    expect(details.map((problem) => problem.pointer)).toEqual([
      '/approval_gates/0/condition',
      '/approval_gates/1/condition',
      '/approval_gates/2/condition',
      '/approval_gates/3/condition',
      '/approval_gates/4/condition',
    ]);
    expect(details[0]?.detail).toBe('CEL error at line 1, column 11: No such key: nmae');
    expect(details[1]?.detail).toMatch(/^CEL error at line 1, column 1: .*user/);
    expect(details[2]?.detail).toBe('a condition must be a boolean expression, this one is string');
    expect(details[3]?.detail).toMatch(/^CEL error at line 1, column 1: no such overload: int \+ string/);
    expect(details[4]?.detail).toBe('CEL error at line 2, column 13: No such key: nmae');
  });

  it('rejects a bad duration, a too-long timeout and a bad approver', () => {
    expect(problemsOf({ approval_gates: [gate({ timeout: '1 hour' })] })).toEqual([
      { pointer: '/approval_gates/0/timeout', detail: 'duration must look like 30s, 5m, 1h30m or 250ms' },
    ]);
    expect(problemsOf({ approval_gates: [gate({ timeout: '60d' })] })[0]?.pointer).toBe(
      '/approval_gates/0/timeout',
    );
    expect(problemsOf({ approval_gates: [gate({ approvers: ['admins'] })] })[0]?.pointer).toBe(
      '/approval_gates/0/approvers/0',
    );
  });

  it('rejects bad globs wherever they appear', () => {
    const problems = problemsOf({
      rbac: [
        {
          name: 'r',
          effect: 'allow',
          subjects: ['agent:secops-[', 'role:operator'],
          tools: ['ok', 'exec_[abc'],
          constraints: { blocked_tools: ['a]'] },
        },
      ],
      approval_gates: [gate({ tool_pattern: 'fire wall' })],
      quotas: [{ name: 'q', scope: 'tool', match: '[!]', calls_per_minute: 1 }],
    });
    expect(problems.map((problem) => problem.pointer)).toEqual([
      '/rbac/0/subjects/0',
      '/rbac/0/tools/1',
      '/rbac/0/constraints/blocked_tools/0',
      '/approval_gates/0/tool_pattern',
      '/quotas/0/match',
    ]);
  });

  it('rejects bad hosts, patterns, ranges, duplicate names and empty rules', () => {
    const problems = problemsOf({
      scopes: [
        { tool: 'http_request', arg: 'url', hosts: ['*.example.com', 'evil*.com'] },
        { tool: 't', arg: 'n', pattern: '(' },
        { tool: 't', arg: 'n', min: 5, max: 1 },
        { tool: 't', arg: 'n' },
      ],
      rbac: [
        { name: 'a', effect: 'allow', subjects: ['*'], tools: ['x'] },
        { name: 'a', effect: 'deny', subjects: ['*'], models: ['x'] },
        { name: 'b', effect: 'deny', subjects: ['team:x'] },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        { pointer: '/scopes/3/arg', detail: 'a scope needs cidrs, hosts, values, pattern, min or max' },
        { pointer: '/rbac/1/name', detail: 'duplicate rule name a' },
        { pointer: '/rbac/2/subjects/0', detail: expect.stringContaining('a subject is') },
        { pointer: '/rbac/2/tools', detail: 'a rule needs tools or models' },
      ]),
    );
    // Structural problems are reported first; semantic ones once the structure is sound.
    const semantic = problemsOf({
      scopes: [
        { tool: 'http_request', arg: 'url', hosts: ['*.example.com', 'evil*.com'] },
        { tool: 't', arg: 'n', pattern: '(' },
        { tool: 't', arg: 'n', min: 5, max: 1 },
      ],
    });
    expect(semantic.map((problem) => problem.pointer)).toEqual([
      '/scopes/0/hosts/1',
      '/scopes/1/pattern',
      '/scopes/2/min',
    ]);
  });

  it('validates the guard sections at apply time', () => {
    const problems = problemsOf({
      pii_masking: { detectors: ['EMAIL', 'SSN'], rules: [{ name: 'x', regex: '(', action: 'mask' }] },
      injection: { threshold: 1.5, classifier: { endpoint: 'not a url' } },
    });
    expect(problems.map((problem) => problem.pointer).sort()).toEqual([
      '/injection/classifier/endpoint',
      '/injection/threshold',
      '/pii_masking/detectors/1',
      '/pii_masking/rules/0/regex',
    ]);
  });

  it('rejects token quotas on tools and quotas without a limit', () => {
    const problems = problemsOf({
      quotas: [
        { name: 'a', scope: 'tool', tokens_per_day: 5 },
        { name: 'b', scope: 'agent' },
      ],
    });
    expect(problems).toEqual([
      {
        pointer: '/quotas/0/scope',
        detail: 'tools spend no tokens: a tool-scoped quota takes calls_per_minute only',
      },
      {
        pointer: '/quotas/1/name',
        detail: 'a quota needs tokens_per_day, tokens_per_month or calls_per_minute',
      },
    ]);
  });
});
