import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DENY_MODELS_RULE,
  DEFAULT_DENY_TOOLS_RULE,
  evaluate,
  MALFORMED_REQUEST_RULE,
} from './decide.ts';
import { modelCall, policy, toolCall } from './requests.test-support.ts';

const allowOps = { name: 'ops', effect: 'allow', subjects: ['role:operator'], tools: ['*'] };

describe('rbac', () => {
  it('allows everything when no policy says anything', () => {
    const decision = evaluate([policy('empty', {})], toolCall('anything'));
    expect(decision).toMatchObject({ effect: 'allow', matched: [], gates: [], policies: ['empty@1'] });
    expect(decision.constraints).toEqual({ blocked_tools: [], dry_run: false });
  });

  it('denies a request that lacks the tool or model it is about', () => {
    const { tool: _tool, ...noTool } = toolCall('x');
    expect(evaluate([], noTool)).toMatchObject({ effect: 'deny', rule: MALFORMED_REQUEST_RULE });
    const { model: _model, ...noModel } = modelCall('a', 'b');
    expect(evaluate([], noModel).reason).toBe('a model_call request needs its model');
    // A model_call carrying a tool is still judged as a model call.
    expect(evaluate([], { ...modelCall('a', 'b'), tool: { name: 'x', args: {} } }).effect).toBe('allow');
  });

  it('matches subjects by role, group, principal and agent, with globs', () => {
    const only = (subject: string) =>
      policy('p', { rbac: [{ name: 'r', effect: 'deny', subjects: [subject], tools: ['exec'] }] });
    expect(evaluate([only('role:operator')], toolCall('exec')).effect).toBe('deny');
    expect(evaluate([only('group:so*')], toolCall('exec')).effect).toBe('deny');
    expect(evaluate([only('principal:alice')], toolCall('exec')).effect).toBe('deny');
    expect(evaluate([only('agent:secops-*')], toolCall('exec')).effect).toBe('deny');
    expect(evaluate([only('*')], toolCall('exec')).effect).toBe('deny');
    expect(evaluate([only('role:admin')], toolCall('exec')).effect).toBe('allow');
    expect(evaluate([only('agent:support-*')], toolCall('exec')).effect).toBe('allow');
    expect(evaluate([only('role:operator')], toolCall('exec2')).effect).toBe('allow');
  });

  it('lets a deny in one policy override an allow in another, in either order', () => {
    const allow = policy('allow', { rbac: [allowOps] });
    const deny = policy('deny', {
      rbac: [{ name: 'no-shell', effect: 'deny', subjects: ['group:soc'], tools: ['exec_*'] }],
    });
    for (const policies of [
      [allow, deny],
      [deny, allow],
    ]) {
      const decision = evaluate(policies, toolCall('exec_shell_command', { cmd: 'ls' }));
      expect(decision).toMatchObject({ effect: 'deny', rule: 'deny/rbac/no-shell' });
      expect([...decision.matched].sort()).toEqual(['allow/rbac/ops', 'deny/rbac/no-shell']);
    }
    expect(evaluate([allow, deny], toolCall('http_request'))).toMatchObject({
      effect: 'allow',
      rule: 'allow/rbac/ops',
    });
  });

  it('denies tool calls no allow rule covers once some allow rule names tools (opt-in default deny)', () => {
    const narrow = policy('p', {
      rbac: [{ name: 'read', effect: 'allow', subjects: ['role:viewer'], tools: ['http_request'] }],
    });
    expect(evaluate([narrow], toolCall('http_request'))).toMatchObject({
      effect: 'deny',
      rule: DEFAULT_DENY_TOOLS_RULE,
      reason: 'no rbac rule allows alice to call http_request',
    });
    const viewer = { principal: { name: 'bob', kind: 'user' as const, roles: ['viewer'], groups: [] } };
    expect(evaluate([narrow], toolCall('http_request', {}, viewer)).effect).toBe('allow');
    expect(evaluate([narrow], toolCall('exec', {}, viewer)).effect).toBe('deny');
    // Tools and models opt in separately: a tools allow-list leaves model calls open.
    expect(evaluate([narrow], modelCall('openai', 'gpt-4o')).effect).toBe('allow');
    // The allow-list of one policy applies to the tenant's other policies' calls too.
    expect(evaluate([narrow, policy('other', {})], toolCall('http_request')).effect).toBe('deny');
  });

  it('governs model calls by BACKEND/MODEL globs', () => {
    const models = policy('m', {
      rbac: [
        { name: 'cheap', effect: 'allow', subjects: ['*'], models: ['openai/gpt-4o-mini', 'local/*'] },
        { name: 'no-o1', effect: 'deny', subjects: ['role:viewer'], models: ['openai/o1*'] },
      ],
    });
    expect(evaluate([models], modelCall('local', 'qwen-72b'))).toMatchObject({
      effect: 'allow',
      rule: 'm/rbac/cheap',
    });
    expect(evaluate([models], modelCall('openai', 'gpt-4o'))).toMatchObject({
      effect: 'deny',
      rule: DEFAULT_DENY_MODELS_RULE,
    });
    // A model rule does not govern tools.
    expect(evaluate([models], toolCall('local/qwen')).effect).toBe('allow');
  });

  it('merges the constraints of every matching allow rule', () => {
    const decision = evaluate(
      [
        policy('a', {
          rbac: [
            {
              name: 'one',
              effect: 'allow',
              subjects: ['*'],
              models: ['*'],
              constraints: { max_tokens: 4000, blocked_tools: ['exec_*'] },
            },
            {
              name: 'two',
              effect: 'allow',
              subjects: ['group:soc'],
              models: ['openai/*'],
              constraints: { max_tokens: 1000 },
            },
          ],
        }),
        policy('b', {
          rbac: [
            {
              name: 'three',
              effect: 'allow',
              subjects: ['role:operator'],
              models: ['*'],
              constraints: { dry_run: true, blocked_tools: ['exec_*', 'rm'] },
            },
            {
              name: 'other',
              effect: 'allow',
              subjects: ['role:admin'],
              models: ['*'],
              constraints: { max_tokens: 10 },
            },
          ],
        }),
      ],
      modelCall('openai', 'gpt-4o'),
    );
    expect(decision.effect).toBe('allow');
    expect(decision.constraints).toEqual({
      blocked_tools: ['exec_*', 'rm'],
      dry_run: true,
      max_tokens: 1000,
    });
    expect(decision.matched).toEqual(['a/rbac/one', 'a/rbac/two', 'b/rbac/three']);
  });

  it('denies a tool call that a matching allow rule lists in blocked_tools', () => {
    const p = policy('p', {
      rbac: [
        {
          name: 'agents',
          effect: 'allow',
          subjects: ['agent:secops-*'],
          tools: ['*'],
          constraints: { blocked_tools: ['firewall_flush_*'] },
        },
      ],
    });
    expect(evaluate([p], toolCall('firewall_flush_all'))).toMatchObject({
      effect: 'deny',
      rule: 'p/rbac/agents',
      reason: 'firewall_flush_all is in blocked_tools of p/rbac/agents',
    });
    expect(evaluate([p], toolCall('firewall_block_ip')).effect).toBe('allow');
  });
});

describe('scopes', () => {
  const scopes = policy('net', {
    scopes: [
      { name: 'fw', tool: 'firewall_*', arg: 'ip', cidrs: ['10.0.0.0/8', '2001:db8::/32'] },
      { tool: 'http_request', arg: 'url', hosts: ['api.example.com', '*.example.org'] },
      { tool: 'http_request', arg: 'options.method', values: ['GET', 'HEAD'] },
      { name: 'ticket', tool: 'ticket_*', arg: 'id', pattern: 'SEC-[0-9]+' },
      { name: 'count', tool: 'ticket_*', arg: 'limit', min: 1, max: 100 },
    ],
  });
  const decide = (tool: string, args: Record<string, unknown>) => evaluate([scopes], toolCall(tool, args));

  it('allows IPs inside the CIDRs and denies those outside, IPv4 and IPv6', () => {
    expect(decide('firewall_block_ip', { ip: '10.2.3.4' }).effect).toBe('allow');
    expect(decide('firewall_block_ip', { ip: '2001:db8:1::9' }).effect).toBe('allow');
    expect(decide('firewall_block_ip', { ip: '8.8.8.8' })).toMatchObject({
      effect: 'deny',
      rule: 'net/scopes/fw',
      reason: 'scope net/scopes/fw: argument ip (8.8.8.8) is outside the allowed CIDRs',
    });
    expect(decide('firewall_block_ip', { ip: '2001:4860::8888' }).effect).toBe('deny');
    expect(decide('firewall_block_ip', { ip: 'localhost' }).reason).toContain('is not an IP address');
    expect(decide('firewall_block_ip', { ip: 167772161 }).effect).toBe('deny');
  });

  it('checks every element of a list argument', () => {
    expect(decide('firewall_block_ip', { ip: ['10.0.0.1', '10.0.0.2'] }).effect).toBe('allow');
    expect(decide('firewall_block_ip', { ip: ['10.0.0.1', '1.1.1.1'] }).reason).toContain(
      'argument ip[1] (1.1.1.1)',
    );
  });

  it('denies a call missing the constrained argument', () => {
    expect(decide('firewall_block_ip', {}).reason).toBe('scope net/scopes/fw: argument ip is missing');
    expect(decide('firewall_block_ip', { ip: null }).effect).toBe('deny');
    expect(decide('http_request', { url: 'https://api.example.com/' }).reason).toBe(
      'scope net/scopes/2: argument options.method is missing',
    );
  });

  it('allows listed hosts and subdomains of wildcards, and denies look-alikes', () => {
    const http = (url: string) => decide('http_request', { url, options: { method: 'GET' } });
    expect(http('https://api.example.com/v1').effect).toBe('allow');
    expect(http('https://a.example.org/').effect).toBe('allow');
    expect(http('https://example.org/').effect).toBe('deny');
    expect(http('https://evil-example.com/').effect).toBe('deny');
    expect(http('https://api.example.com.evil.io/')).toMatchObject({
      effect: 'deny',
      rule: 'net/scopes/1',
      reason: 'scope net/scopes/1: argument url host api.example.com.evil.io is not in the allowed hosts',
    });
  });

  it('checks enumerations, patterns and numeric ranges', () => {
    expect(
      decide('http_request', { url: 'https://api.example.com', options: { method: 'DELETE' } }).rule,
    ).toBe('net/scopes/2');
    expect(decide('ticket_read', { id: 'SEC-42', limit: 10 }).effect).toBe('allow');
    expect(decide('ticket_read', { id: 'SEC-42; drop', limit: 10 }).rule).toBe('net/scopes/ticket');
    expect(decide('ticket_read', { id: 'SEC-42', limit: 1000 }).reason).toBe(
      'scope net/scopes/count: argument limit (1000) is above 100',
    );
    expect(decide('ticket_read', { id: 'SEC-42', limit: '10' }).reason).toContain('is not a number');
  });

  it('follows only own properties of the arguments', () => {
    expect(decide('ticket_read', { id: 'SEC-1', limit: 5, constructor: 1 }).effect).toBe('allow');
    const inherited = Object.create({ ip: '10.0.0.1' }) as Record<string, unknown>;
    expect(decide('firewall_block_ip', inherited).reason).toContain('missing');
  });
});
