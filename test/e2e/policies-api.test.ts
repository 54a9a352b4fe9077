import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ApplyResult, Page, Policy, PolicyEvaluation } from '../../src/contracts/index.ts';
import { applyAs, isolatedTenant, member, policyManifest } from '../support/governance.ts';
import { expectProblem, sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const SECURITY_YAML = fileURLToPath(new URL('../../examples/policies/security.yaml', import.meta.url));

let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform();
});

afterAll(async () => {
  await t?.close();
});

const apply = (key: string, items: unknown[]) =>
  sendTo<ApplyResult>(t, 'POST', '/api/v1/apply', { body: { items }, apiKey: key });

async function listPolicies(key: string): Promise<Policy[]> {
  const reply = await sendTo<Page<Policy>>(t, 'GET', '/api/v1/policies', { apiKey: key });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.items;
}

const getPolicy = (key: string, name: string) =>
  sendTo<Policy>(t, 'GET', `/api/v1/policies/${name}`, { apiKey: key });

const evaluate = (key: string, body: object) =>
  sendTo<PolicyEvaluation>(t, 'POST', '/api/v1/policy:evaluate', { body, apiKey: key });

/** Evaluates, asserting 200, and returns the decision. */
async function decide(key: string, body: object) {
  const reply = await evaluate(key, body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

/** The seed example's spec, as an author's draft would be sent. */
const securitySpec = () => (parseYaml(readFileSync(SECURITY_YAML, 'utf8')) as { spec: object }).spec;

const principal = (roles: string[], groups: string[] = [], name = 'alice') => ({
  name,
  kind: 'user' as const,
  roles,
  groups,
});

const toolCall = (
  name: string,
  args: Record<string, unknown>,
  who = principal(['operator']),
  agent = 'secops-triage',
) => ({
  action: 'tool_call',
  tool: { name, args },
  principal: who,
  agent: { name: agent, version: 1 },
});

const firewallScope = (cidrs: string[]) => ({
  scopes: [{ name: 'targets', tool: 'firewall_block_ip', arg: 'ip', cidrs }],
});

describe('applying Policy manifests', () => {
  it('reports created (version 1), unchanged (same version), then configured (version 2)', async () => {
    const { admin } = await isolatedTenant(t);
    const name = 'network';

    const created = await apply(admin, [policyManifest(name, firewallScope(['10.0.0.0/8']))]);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.items).toEqual([{ kind: 'Policy', name, action: 'created', version: 1 }]);
    const first = await getPolicy(admin, name);
    expect(first.status).toBe(200);

    const same = await apply(admin, [policyManifest(name, firewallScope(['10.0.0.0/8']))]);
    expect(same.body.items).toEqual([{ kind: 'Policy', name, action: 'unchanged', version: 1 }]);
    expect((await getPolicy(admin, name)).body).toEqual(first.body);

    const changed = await apply(admin, [
      policyManifest(name, firewallScope(['10.0.0.0/8', '192.168.0.0/16'])),
    ]);
    expect(changed.body.items).toEqual([{ kind: 'Policy', name, action: 'configured', version: 2 }]);

    const listed = await listPolicies(admin);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'Policy',
      metadata: { name },
      spec: firewallScope(['10.0.0.0/8', '192.168.0.0/16']),
      status: { version: 2 },
    });
    const one = await getPolicy(admin, name);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(listed[0]);
  });

  it('deletes a policy: 204, then 404 on GET and on a second DELETE, and the list is empty', async () => {
    const { admin } = await isolatedTenant(t);
    await applyAs(t, admin, [policyManifest('doomed', firewallScope(['10.0.0.0/8']))]);
    expect((await getPolicy(admin, 'doomed')).status).toBe(200);

    const deleted = await sendTo(t, 'DELETE', '/api/v1/policies/doomed', { apiKey: admin });
    expect(deleted.status).toBe(204);

    expectProblem(await getPolicy(admin, 'doomed'), 404, 'NOT_FOUND');
    expectProblem(await sendTo(t, 'DELETE', '/api/v1/policies/doomed', { apiKey: admin }), 404, 'NOT_FOUND');
    expect(await listPolicies(admin)).toEqual([]);
  });

  it('keeps policies per tenant: another tenant neither lists nor gets them', async () => {
    const { admin } = await isolatedTenant(t);
    const { admin: other } = await isolatedTenant(t);
    await applyAs(t, admin, [policyManifest('mine', firewallScope(['10.0.0.0/8']))]);

    expect(await listPolicies(other)).toEqual([]);
    expectProblem(await getPolicy(other, 'mine'), 404, 'NOT_FOUND');
    expectProblem(await sendTo(t, 'DELETE', '/api/v1/policies/mine', { apiKey: other }), 404, 'NOT_FOUND');
    expect((await getPolicy(admin, 'mine')).status).toBe(200);
  });

  it('refuses a developer (403, nothing written) while an admin of the same tenant may apply', async () => {
    const { tenant, admin } = await isolatedTenant(t);
    const developer = await member(t, tenant, ['developer']);
    const manifest = policyManifest('from-dev', firewallScope(['10.0.0.0/8']));

    const refused = await apply(developer.key, [manifest]);
    const problem = expectProblem(refused, 403, 'PERMISSION_DENIED');
    expect(problem.detail).toContain('Policy');
    expectProblem(await getPolicy(admin, 'from-dev'), 404, 'NOT_FOUND');
    expect(await listPolicies(admin)).toEqual([]);

    // Not even a dry run of it, and no delete either.
    const dry = await sendTo(t, 'POST', '/api/v1/apply?dryRun=true', {
      body: { items: [manifest] },
      apiKey: developer.key,
    });
    expectProblem(dry, 403, 'PERMISSION_DENIED');

    const allowed = await apply(admin, [manifest]);
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
    expect(allowed.body.items).toEqual([{ kind: 'Policy', name: 'from-dev', action: 'created', version: 1 }]);

    // The developer may read policies, but not delete them.
    expect((await listPolicies(developer.key)).map((p) => p.metadata.name)).toEqual(['from-dev']);
    expectProblem(
      await sendTo(t, 'DELETE', '/api/v1/policies/from-dev', { apiKey: developer.key }),
      403,
      'PERMISSION_DENIED',
    );
    expect((await getPolicy(admin, 'from-dev')).status).toBe(200);
  });

  it('applies the seed example examples/policies/security.yaml cleanly, then reports it unchanged', async () => {
    const { admin } = await isolatedTenant(t);
    const text = readFileSync(SECURITY_YAML, 'utf8');
    const post = () =>
      sendTo<ApplyResult>(t, 'POST', '/api/v1/apply', {
        body: text,
        headers: { 'content-type': 'application/yaml' },
        apiKey: admin,
      });

    const first = await post();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.items).toEqual([{ kind: 'Policy', name: 'security', action: 'created', version: 1 }]);
    const stored = (await getPolicy(admin, 'security')).body;
    expect(stored.status.version).toBe(1);
    expect(stored.spec.scopes?.map((s) => s.name)).toEqual([
      'firewall-targets',
      'http-allowlist',
      'http-methods',
    ]);
    expect(stored.spec.approval_gates?.map((g) => g.name)).toEqual(['firewall-block', 'destructive-shell']);

    const second = await post();
    expect(second.body.items).toEqual([
      { kind: 'Policy', name: 'security', action: 'unchanged', version: 1 },
    ]);
  });
});

describe('applying invalid Policy manifests', () => {
  /**
   * Applies `bad` between two good manifests (a new policy, and a change to an existing one),
   * expects 400 with exactly the pointers given, and checks nothing was written.
   */
  async function expectRejected(bad: object, pointers: string[]) {
    const { admin } = await isolatedTenant(t);
    await applyAs(t, admin, [policyManifest('existing', firewallScope(['10.0.0.0/8']))]);
    const before = await listPolicies(admin);

    const reply = await apply(admin, [
      bad,
      policyManifest('fresh', firewallScope(['10.0.0.0/8'])),
      policyManifest('existing', firewallScope(['172.16.0.0/12'])),
    ]);

    const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
    expect(problem.errors?.map((e) => e.pointer)).toEqual(pointers);
    expectProblem(await getPolicy(admin, 'fresh'), 404, 'NOT_FOUND');
    expectProblem(await getPolicy(admin, 'bad'), 404, 'NOT_FOUND');
    expect(await listPolicies(admin)).toEqual(before);
    return problem;
  }

  it('rejects an unknown section, naming it', async () => {
    const problem = await expectRejected(
      policyManifest('bad', { rbac: [], approvals: [{ tool_pattern: 'x' }] }),
      ['/items/0/spec/approvals'],
    );
    expect(problem.errors?.[0]?.detail).toContain('approvals');
  });

  it('rejects a malformed CIDR in a scope, pointing at that CIDR', async () => {
    const problem = await expectRejected(
      policyManifest('bad', firewallScope(['10.0.0.0/8', '192.168.0.0/16', '10.0.0.0/40'])),
      ['/items/0/spec/scopes/0/cidrs/2'],
    );
    expect(problem.errors?.[0]?.detail).toContain('10.0.0.0/40');
  });

  it('rejects a CEL condition that does not parse, with the position of the error', async () => {
    const problem = await expectRejected(
      policyManifest('bad', {
        approval_gates: [
          {
            tool_pattern: 'exec_shell_command',
            condition: "input.cmd.contains('rm' ||",
            approvers: ['group:sre-leads'],
          },
        ],
      }),
      ['/items/0/spec/approval_gates/0/condition'],
    );
    expect(problem.errors?.[0]?.detail).toMatch(/CEL error at line 1, column \d+/);
  });

  it('rejects a CEL condition that reads a field run does not have', async () => {
    await expectRejected(
      policyManifest('bad', {
        approval_gates: [{ tool_pattern: 'x', condition: 'run.stepz > 3', approvers: ['group:sre-leads'] }],
      }),
      ['/items/0/spec/approval_gates/0/condition'],
    );
  });

  it('rejects a malformed duration and one over 30 days', async () => {
    const gate = (timeout: string) =>
      policyManifest('bad', {
        approval_gates: [{ tool_pattern: 'x', approvers: ['group:sre-leads'], timeout }],
      });
    const malformed = await expectRejected(gate('1 hour'), ['/items/0/spec/approval_gates/0/timeout']);
    expect(malformed.errors?.[0]?.detail).toMatch(/duration/);
    await expectRejected(gate('31d'), ['/items/0/spec/approval_gates/0/timeout']);
  });

  it('rejects a custom PII rule whose regex does not compile', async () => {
    await expectRejected(
      policyManifest('bad', {
        pii_masking: {
          rules: [
            { name: 'employee', regex: 'EMP-([0-9', action: 'mask' },
            { name: 'fine', regex: 'OK-[0-9]+', action: 'mask' },
          ],
        },
      }),
      ['/items/0/spec/pii_masking/rules/0/regex'],
    );
  });

  // Apply must refuse a custom PII rule the guard (RE2, its own name rules) could not run: stored,
  // it would fail every run of the tenant later.
  it('rejects a custom PII regex the guard cannot run (look-behind is not RE2)', async () => {
    await expectRejected(
      policyManifest('bad', {
        pii_masking: { rules: [{ name: 'after_id', regex: '(?<=id:)[0-9]+', action: 'mask' }] },
      }),
      ['/items/0/spec/pii_masking/rules/0/regex'],
    );
  });

  it('rejects a custom PII rule name the guard refuses (a hyphen)', async () => {
    await expectRejected(
      policyManifest('bad', {
        pii_masking: { rules: [{ name: 'phone-number', regex: 'X[0-9]{3}', action: 'mask' }] },
      }),
      ['/items/0/spec/pii_masking/rules/0/name'],
    );
  });
});

describe('POST /api/v1/policy:evaluate', () => {
  it('decides with inline draft policies: deny out of scope, require_approval in scope, allow harmless', async () => {
    const { admin } = await isolatedTenant(t);
    const policies = [{ name: 'security', spec: securitySpec() }];

    const outside = await decide(admin, {
      request: toolCall('firewall_block_ip', { ip: '8.8.8.8' }),
      policies,
    });
    expect(outside.decision).toMatchObject({ effect: 'deny', rule: 'security/scopes/firewall-targets' });
    expect(outside.decision.reason).toContain('8.8.8.8');
    expect(outside.decision.policies).toEqual(['security@0']);
    expect(outside.explanation[0]).toMatch(/^deny by security\/scopes\/firewall-targets/);

    const inside = await decide(admin, {
      request: toolCall('firewall_block_ip', { ip: '10.1.2.3' }),
      policies,
    });
    expect(inside.decision).toMatchObject({
      effect: 'require_approval',
      rule: 'security/approval_gates/firewall-block',
      gates: [
        {
          rule: 'security/approval_gates/firewall-block',
          approvers: ['group:security-ops'],
          min_approvals: 1,
          timeout_ms: 3_600_000,
          on_timeout: 'reject',
        },
      ],
    });
    expect(inside.decision.matched).toContain('security/scopes/firewall-targets');

    const harmless = await decide(admin, {
      request: toolCall('ip_reputation', { ip: '8.8.8.8' }),
      policies,
    });
    expect(harmless.decision.effect).toBe('allow');
    expect(harmless.decision.gates).toEqual([]);
    expect(harmless.decision.rule).toMatch(/^security\/rbac\//);
  });

  it('decides with the stored policies when none are given, and inline ones replace them', async () => {
    const { admin } = await isolatedTenant(t);
    // Nothing stored yet: allowed by default, no policy consulted.
    const empty = await decide(admin, { request: toolCall('firewall_block_ip', { ip: '8.8.8.8' }) });
    expect(empty.decision.effect).toBe('allow');
    expect(empty.decision.policies).toEqual([]);

    const text = readFileSync(SECURITY_YAML, 'utf8');
    const applied = await sendTo(t, 'POST', '/api/v1/apply', {
      body: text,
      headers: { 'content-type': 'application/yaml' },
      apiKey: admin,
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);

    const outside = await decide(admin, { request: toolCall('firewall_block_ip', { ip: '8.8.8.8' }) });
    expect(outside.decision).toMatchObject({
      effect: 'deny',
      rule: 'security/scopes/firewall-targets',
      policies: ['security@1'],
    });
    const inside = await decide(admin, { request: toolCall('firewall_block_ip', { ip: '192.168.1.9' }) });
    expect(inside.decision).toMatchObject({
      effect: 'require_approval',
      rule: 'security/approval_gates/firewall-block',
    });
    expect(inside.decision.gates.map((g) => g.rule)).toEqual(['security/approval_gates/firewall-block']);
    const harmless = await decide(admin, { request: toolCall('ip_reputation', { ip: '8.8.8.8' }) });
    expect(harmless.decision.effect).toBe('allow');

    // An inline draft is decided instead of the stored policies, not on top of them.
    const draft = await decide(admin, {
      request: toolCall('firewall_block_ip', { ip: '8.8.8.8' }),
      policies: [{ name: 'open', spec: {} }],
    });
    expect(draft.decision.effect).toBe('allow');
    expect(draft.decision.policies).toEqual(['open@0']);
  });

  it('lets a deny rule of one policy override an allow rule of another (inline and stored)', async () => {
    const { admin } = await isolatedTenant(t);
    const allow = {
      rbac: [{ name: 'operators', effect: 'allow', subjects: ['role:operator'], tools: ['*'] }],
    };
    const deny = {
      rbac: [{ name: 'no-shell', effect: 'deny', subjects: ['group:contractors'], tools: ['exec_*'] }],
    };
    const shell = (groups: string[]) =>
      toolCall('exec_shell_command', { cmd: 'ls' }, principal(['operator'], groups));
    const policies = [
      { name: 'allow-ops', spec: allow },
      { name: 'contractors', spec: deny },
    ];

    const denied = await decide(admin, { request: shell(['contractors']), policies });
    expect(denied.decision).toMatchObject({ effect: 'deny', rule: 'contractors/rbac/no-shell' });
    expect(denied.decision.matched).toEqual(
      expect.arrayContaining(['allow-ops/rbac/operators', 'contractors/rbac/no-shell']),
    );
    const allowed = await decide(admin, { request: shell(['soc']), policies });
    expect(allowed.decision).toMatchObject({ effect: 'allow', rule: 'allow-ops/rbac/operators' });

    await applyAs(t, admin, [policyManifest('allow-ops', allow), policyManifest('contractors', deny)]);
    const stored = await decide(admin, { request: shell(['contractors']) });
    expect(stored.decision).toMatchObject({ effect: 'deny', rule: 'contractors/rbac/no-shell' });
    expect([...stored.decision.policies].sort()).toEqual(['allow-ops@1', 'contractors@1']);
    expect((await decide(admin, { request: shell([]) })).decision.effect).toBe('allow');
  });

  it('rejects a malformed request with 400 naming the field', async () => {
    const { admin } = await isolatedTenant(t);
    const good = toolCall('ip_reputation', { ip: '8.8.8.8' });

    const badAction = expectProblem(
      await evaluate(admin, { request: { ...good, action: 'shell_call' } }),
      400,
      'INVALID_REQUEST',
    );
    expect(badAction.errors?.map((e) => e.pointer)).toEqual(['/request/action']);

    const { principal: _dropped, ...noPrincipal } = good;
    const missing = expectProblem(await evaluate(admin, { request: noPrincipal }), 400, 'INVALID_REQUEST');
    expect(missing.errors?.map((e) => e.pointer)).toEqual(['/request/principal']);

    const badKind = expectProblem(
      await evaluate(admin, { request: { ...good, principal: { ...good.principal, kind: 'robot' } } }),
      400,
      'INVALID_REQUEST',
    );
    expect(badKind.errors?.map((e) => e.pointer)).toEqual(['/request/principal/kind']);

    const badDraft = expectProblem(
      await evaluate(admin, {
        request: good,
        policies: [{ name: 'draft', spec: firewallScope(['10.0.0.0/8', 'not-a-cidr']) }],
      }),
      400,
      'INVALID_REQUEST',
    );
    expect(badDraft.errors?.map((e) => e.pointer)).toEqual(['/policies/0/spec/scopes/0/cidrs/1']);

    expectProblem(await evaluate(admin, { request: good, extra: true }), 400, 'INVALID_REQUEST');
  });

  it('reflects an applied change, and a delete, on the very next evaluation', async () => {
    const { admin } = await isolatedTenant(t);
    const request = toolCall('firewall_block_ip', { ip: '172.16.0.5' });
    await applyAs(t, admin, [policyManifest('net', firewallScope(['172.16.0.0/12']))]);

    const before = await decide(admin, { request });
    expect(before.decision).toMatchObject({ effect: 'allow', policies: ['net@1'] });

    await applyAs(t, admin, [policyManifest('net', firewallScope(['10.0.0.0/8']))]);
    const after = await decide(admin, { request });
    expect(after.decision).toMatchObject({ effect: 'deny', rule: 'net/scopes/targets', policies: ['net@2'] });

    expect((await sendTo(t, 'DELETE', '/api/v1/policies/net', { apiKey: admin })).status).toBe(204);
    const gone = await decide(admin, { request });
    expect(gone.decision).toMatchObject({ effect: 'allow', policies: [] });
  });
});
