import { describe, expect, it } from 'vitest';
import { evaluate, TAINT_APPROVERS, TAINT_RULE } from './decide.ts';
import { policy, toolCall } from './requests.test-support.ts';

const gates = policy('sec', {
  approval_gates: [
    {
      name: 'firewall',
      tool_pattern: 'firewall_*',
      condition: 'always',
      approvers: ['group:security-ops'],
      timeout: '1h',
    },
    {
      tool_pattern: 'exec_shell_command',
      condition: "input.cmd.contains('rm') || input.cmd.contains('shutdown')",
      approvers: ['group:sre-leads'],
      min_approvals: 2,
      on_timeout: 'approve',
    },
    {
      name: 'late-steps',
      tool_pattern: 'exec_*',
      condition: 'run.steps > 10 && !("admin" in principal.roles)',
      approvers: ['role:admin'],
    },
  ],
});

describe('approval gates', () => {
  it('requires approval on every call an "always" gate covers', () => {
    const decision = evaluate([gates], toolCall('firewall_block_ip', { ip: '10.0.0.1' }));
    expect(decision).toMatchObject({ effect: 'require_approval', rule: 'sec/approval_gates/firewall' });
    expect(decision.gates).toEqual([
      {
        rule: 'sec/approval_gates/firewall',
        approvers: ['group:security-ops'],
        min_approvals: 1,
        timeout_ms: 3_600_000,
        on_timeout: 'reject',
        reason: 'firewall_block_ip matches gate sec/approval_gates/firewall: always',
      },
    ]);
  });

  it('requires approval only when the condition holds', () => {
    expect(evaluate([gates], toolCall('exec_shell_command', { cmd: 'ls -la' })).effect).toBe('allow');
    const decision = evaluate([gates], toolCall('exec_shell_command', { cmd: 'sudo shutdown -h now' }));
    expect(decision).toMatchObject({ effect: 'require_approval', rule: 'sec/approval_gates/1' });
    expect(decision.gates[0]).toMatchObject({
      min_approvals: 2,
      on_timeout: 'approve',
      timeout_ms: 86_400_000,
    });
  });

  it('lists every matching gate, and sees run and principal in conditions', () => {
    const decision = evaluate(
      [gates],
      toolCall(
        'exec_shell_command',
        { cmd: 'rm -rf /tmp/x' },
        { run: { id: 'r', tainted: false, steps: 11 } },
      ),
    );
    expect(decision.gates.map((gate) => gate.rule)).toEqual([
      'sec/approval_gates/1',
      'sec/approval_gates/late-steps',
    ]);
    expect(decision.reason).toMatch(/^2 approval gates match/);
    const admin = { name: 'root', kind: 'user' as const, roles: ['admin'], groups: [] };
    const asAdmin = evaluate(
      [gates],
      toolCall('exec_x', {}, { principal: admin, run: { id: 'r', tainted: false, steps: 11 } }),
    );
    expect(asAdmin.effect).toBe('allow');
  });

  it('treats a condition that fails to evaluate as matching, and says so', () => {
    const decision = evaluate([gates], toolCall('exec_shell_command', { command: 'rm -rf /' }));
    expect(decision.effect).toBe('require_approval');
    expect(decision.warnings).toEqual([
      "sec/approval_gates/1: condition input.cmd.contains('rm') || input.cmd.contains('shutdown') failed (No such key: cmd); treated as matching",
    ]);
    expect(decision.gates[0]?.reason).toContain('failed (No such key: cmd); treated as matching');
    // A non-string where a string is expected fails the same way.
    expect(evaluate([gates], toolCall('exec_shell_command', { cmd: 42 })).effect).toBe('require_approval');
  });

  it('lets a deny win over a gate', () => {
    const deny = policy('deny', {
      rbac: [{ name: 'no-fw', effect: 'deny', subjects: ['*'], tools: ['firewall_*'] }],
    });
    const decision = evaluate([gates, deny], toolCall('firewall_block_ip', { ip: '10.0.0.1' }));
    expect(decision).toMatchObject({ effect: 'deny', rule: 'deny/rbac/no-fw', gates: [] });
    expect(decision.matched).toEqual(['sec/approval_gates/firewall', 'deny/rbac/no-fw']);
  });
});

describe('taint', () => {
  const tainted = { id: 'r', tainted: true, taint_reasons: ['tool output from fetch_url'], steps: 3 };

  it('requires approval for a destructive tool in a tainted run, whatever the policies say', () => {
    const allowAll = policy('open', {
      rbac: [{ name: 'all', effect: 'allow', subjects: ['*'], tools: ['*'] }],
    });
    const request = toolCall('delete_user', { id: 'u1' }, { run: tainted });
    const decision = evaluate([allowAll], {
      ...request,
      tool: { name: 'delete_user', args: { id: 'u1' }, destructive: true },
    });
    expect(decision).toMatchObject({ effect: 'require_approval', rule: TAINT_RULE });
    expect(decision.gates).toEqual([
      {
        rule: TAINT_RULE,
        approvers: [...TAINT_APPROVERS],
        min_approvals: 1,
        timeout_ms: 86_400_000,
        on_timeout: 'reject',
        reason: 'run is tainted (tool output from fetch_url) and delete_user is destructive',
      },
    ]);
    expect(
      evaluate([], { ...request, tool: { name: 'delete_user', args: {}, destructive: true } }).effect,
    ).toBe('require_approval');
  });

  it('leaves non-destructive tools and untainted runs alone', () => {
    expect(
      evaluate([], {
        ...toolCall('read', {}, { run: tainted }),
        tool: { name: 'read', args: {}, destructive: false },
      }).effect,
    ).toBe('allow');
    expect(
      evaluate([], { ...toolCall('delete_user'), tool: { name: 'delete_user', args: {}, destructive: true } })
        .effect,
    ).toBe('allow');
  });

  it('adds its gate to the policy gates, and a deny still wins', () => {
    const request = { ...toolCall('firewall_block_ip', { ip: '10.0.0.1' }, { run: tainted }) };
    const destructive = {
      ...request,
      tool: { name: 'firewall_block_ip', args: { ip: '10.0.0.1' }, destructive: true },
    };
    expect(evaluate([gates], destructive).gates.map((gate) => gate.rule)).toEqual([
      'sec/approval_gates/firewall',
      TAINT_RULE,
    ]);
    const deny = policy('deny', { rbac: [{ name: 'no', effect: 'deny', subjects: ['*'], tools: ['*'] }] });
    expect(evaluate([gates, deny], destructive).effect).toBe('deny');
  });
});
