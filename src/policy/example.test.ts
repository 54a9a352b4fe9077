import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PolicyManifestSchema } from '../contracts/index.ts';
import { PACKAGE_ROOT } from '../core/index.ts';
import { compilePolicy } from './compile.ts';
import { evaluate } from './decide.ts';
import { explainDecision } from './explain.ts';
import { quotaCounters } from './quotas.ts';
import { modelCall, toolCall } from './requests.test-support.ts';

const manifest = PolicyManifestSchema.parse(
  parse(readFileSync(join(PACKAGE_ROOT, 'examples/policies/security.yaml'), 'utf8')),
);
const security = compilePolicy(manifest.spec, { name: manifest.metadata.name, version: 1 });
const agent = { agent: { name: 'secops-triage', version: 1 } };

describe('examples/policies/security.yaml', () => {
  it('holds the seed rules: PII patterns and both approval gates', () => {
    expect(manifest.spec.pii_masking?.rules).toEqual([
      { name: 'phone_number', regex: '\\b\\d{11}\\b', action: 'mask' },
      { name: 'aws_ak', regex: '(AKIA|ASIA)[0-9A-Z]{16}', action: 'redact' },
    ]);
    expect(security.gates.map((gate) => [gate.id, gate.approvers, gate.timeoutMs])).toEqual([
      ['security/approval_gates/firewall-block', ['group:security-ops'], 3_600_000],
      ['security/approval_gates/destructive-shell', ['group:sre-leads'], 86_400_000],
    ]);
  });

  it('gates firewall blocks inside the CIDRs and denies those outside', () => {
    expect(evaluate([security], toolCall('firewall_block_ip', { ip: '10.9.8.7' }, agent))).toMatchObject({
      effect: 'require_approval',
      rule: 'security/approval_gates/firewall-block',
    });
    expect(evaluate([security], toolCall('firewall_block_ip', { ip: '1.2.3.4' }, agent))).toMatchObject({
      effect: 'deny',
      rule: 'security/scopes/firewall-targets',
    });
    expect(evaluate([security], toolCall('firewall_flush_all', {}, agent)).rule).toBe(
      'security/rbac/secops-agents-tools',
    );
  });

  it('gates shell commands that remove files or shut down, and allows others', () => {
    expect(
      evaluate([security], toolCall('exec_shell_command', { cmd: 'rm -rf /var/tmp/x' }, agent)).gates[0]
        ?.approvers,
    ).toEqual(['group:sre-leads']);
    expect(evaluate([security], toolCall('exec_shell_command', { cmd: 'uptime' }, agent)).effect).toBe(
      'allow',
    );
  });

  it('keeps http_request to allowlisted hosts and read methods', () => {
    const http = (url: string, method: string) =>
      evaluate([security], toolCall('http_request', { url, method }, agent));
    expect(http('https://www.virustotal.com/api/v3/ip/1.2.3.4', 'GET').effect).toBe('allow');
    expect(http('https://api.abuseipdb.com/check', 'POST').rule).toBe('security/scopes/http-methods');
    expect(http('https://virustotal.com.evil.io/', 'GET').rule).toBe('security/scopes/http-allowlist');
  });

  it('opts tools and models into default deny, caps tokens and counts quotas', () => {
    const stranger = {
      principal: { name: 'eve', kind: 'user' as const, roles: ['developer'], groups: [] },
      agent: { name: 'support-bot', version: 1 },
    };
    expect(evaluate([security], toolCall('http_request', {}, stranger)).effect).toBe('deny');
    const model = evaluate([security], modelCall('openai', 'gpt-4o-mini'));
    expect(model).toMatchObject({ effect: 'allow', constraints: { max_tokens: 8192 } });
    expect(evaluate([security], modelCall('anthropic', 'claude')).effect).toBe('deny');
    expect(quotaCounters([security], modelCall('openai', 'gpt-4o')).map((counter) => counter.rule)).toEqual([
      'security/quotas/tenant-tokens',
      'security/quotas/tenant-tokens',
      'security/quotas/per-agent-calls',
    ]);
  });

  it('explains a decision line by line', () => {
    const decision = evaluate([security], toolCall('firewall_block_ip', { ip: '10.0.0.1' }, agent));
    expect(explainDecision(decision)).toEqual([
      'require_approval by security/approval_gates/firewall-block: firewall_block_ip matches gate security/approval_gates/firewall-block: always',
      'gate security/approval_gates/firewall-block: 1 of group:security-ops within 3600s, else reject',
      'blocked tools: firewall_flush_*',
      'matched: security/rbac/secops-agents-tools, security/rbac/operators-tools, security/scopes/firewall-targets, security/approval_gates/firewall-block',
      'policies: security@1',
    ]);
  });
});
