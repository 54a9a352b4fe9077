import { describe, expect, it } from 'vitest';
import { evaluate } from './decide.ts';
import { denyOverQuota, quotaCounters } from './quotas.ts';
import { modelCall, policy, toolCall } from './requests.test-support.ts';

const quotas = policy('limits', {
  quotas: [
    { name: 'tenant-tokens', scope: 'tenant', tokens_per_day: 1000, tokens_per_month: 20000 },
    { name: 'agent-calls', scope: 'agent', match: 'secops-*', calls_per_minute: 60 },
    { name: 'user-models', scope: 'user', action: 'model_call', calls_per_minute: 5 },
    { name: 'firewall', scope: 'tool', match: 'firewall_*', calls_per_minute: 10 },
  ],
});

describe('quota counters', () => {
  it('lists the counters a model call touches, with stable keys naming the scope value', () => {
    expect(quotaCounters([quotas], modelCall('openai', 'gpt-4o'))).toEqual([
      {
        rule: 'limits/quotas/tenant-tokens',
        key: 'acme:limits/quotas/tenant-tokens:tenant=acme:tokens/day',
        limit: 1000,
        window: 'day',
        unit: 'tokens',
        scope: 'tenant',
        value: 'acme',
      },
      {
        rule: 'limits/quotas/tenant-tokens',
        key: 'acme:limits/quotas/tenant-tokens:tenant=acme:tokens/month',
        limit: 20000,
        window: 'month',
        unit: 'tokens',
        scope: 'tenant',
        value: 'acme',
      },
      expect.objectContaining({
        key: 'acme:limits/quotas/agent-calls:agent=secops-triage:calls/minute',
        limit: 60,
      }),
      expect.objectContaining({ key: 'acme:limits/quotas/user-models:user=alice:calls/minute', limit: 5 }),
    ]);
  });

  it('gives tool calls call counters only, per tool and agent', () => {
    const keys = quotaCounters([quotas], toolCall('firewall_block_ip')).map((counter) => counter.key);
    expect(keys).toEqual([
      'acme:limits/quotas/agent-calls:agent=secops-triage:calls/minute',
      'acme:limits/quotas/firewall:tool=firewall_block_ip:calls/minute',
    ]);
    expect(quotaCounters([quotas], toolCall('http_request')).map((counter) => counter.rule)).toEqual([
      'limits/quotas/agent-calls',
    ]);
  });

  it('keys counters by scope value, so each agent or user has its own', () => {
    const other = quotaCounters(
      [quotas],
      modelCall('openai', 'gpt-4o', { agent: { name: 'secops-hunt', version: 1 } }),
    );
    expect(other.map((counter) => counter.key)).toContain(
      'acme:limits/quotas/agent-calls:agent=secops-hunt:calls/minute',
    );
    expect(
      quotaCounters([quotas], modelCall('x', 'y', { agent: { name: 'support', version: 1 } })).map(
        (c) => c.rule,
      ),
    ).not.toContain('limits/quotas/agent-calls');
    const odd = quotaCounters([quotas], toolCall('firewall_a:b/c'))[1];
    expect(odd?.key).toBe('acme:limits/quotas/firewall:tool=firewall_a%3Ab%2Fc:calls/minute');
  });

  it('turns a spent counter into a deny naming the rule, and leaves the decision alone otherwise', () => {
    const request = toolCall('firewall_block_ip');
    const decision = evaluate([quotas], request);
    expect(denyOverQuota(decision, [])).toBe(decision);
    const [, counter] = quotaCounters([quotas], request);
    if (!counter) throw new Error('expected the firewall counter');
    expect(denyOverQuota(decision, [{ counter, used: 10 }])).toMatchObject({
      effect: 'deny',
      rule: 'limits/quotas/firewall',
      reason: 'quota limits/quotas/firewall exceeded: 10 of 10 calls per minute for tool firewall_block_ip',
      matched: ['limits/quotas/firewall'],
    });
  });

  it('keeps an earlier deny when a quota is also spent', () => {
    const deny = policy('deny', { rbac: [{ name: 'no', effect: 'deny', subjects: ['*'], tools: ['*'] }] });
    const request = toolCall('firewall_block_ip');
    const [counter] = quotaCounters([quotas], request);
    if (!counter) throw new Error('expected a counter');
    const decision = denyOverQuota(evaluate([deny, quotas], request), [{ counter, used: 99 }]);
    expect(decision).toMatchObject({
      effect: 'deny',
      rule: 'deny/rbac/no',
      matched: ['deny/rbac/no', counter.rule],
    });
  });
});
