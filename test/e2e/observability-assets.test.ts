import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { REPO_ROOT } from '../support/cli.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

/**
 * deploy/observability: the alert rules parse (promtool when Debian's prometheus package is
 * installed, else a schema check) and every metric the rules and the Grafana dashboard query is
 * one the platform exports on /metrics.
 */
const DIR = join(REPO_ROOT, 'deploy', 'observability');
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((path) => existsSync(path));

const RulesSchema = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        interval: z.string().optional(),
        rules: z
          .array(
            z.strictObject({
              alert: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
              expr: z.string().min(1),
              for: z
                .string()
                .regex(/^\d+[smhd]$/)
                .optional(),
              labels: z.record(z.string(), z.string()).optional(),
              annotations: z.record(z.string(), z.string()).optional(),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});

const NOT_METRICS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** Metric names a PromQL expression reads: identifiers that are neither functions, labels nor keywords. */
function metricsIn(expr: string): string[] {
  const cleaned = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\b(group_left|group_right)\b/g, '')
    .replace(/\[[^\]]*\]/g, '');
  return [...cleaned.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((match) => match[1] as string)
    .filter((name) => !NOT_METRICS.has(name.toLowerCase()));
}

let t: TestPlatform;
let exported: Set<string>;

beforeAll(async () => {
  t = await startTestPlatform();
  const text = await (await fetch(`${t.url}/metrics`)).text();
  exported = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exported.add(name as string);
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${name}${suffix}`);
  }
});

afterAll(async () => {
  await t?.close();
});

describe('deploy/observability', () => {
  const rulesText = readFileSync(join(DIR, 'alerts.yml'), 'utf8');
  const rules = RulesSchema.parse(parse(rulesText));
  const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as {
    panels: Array<{ title: string; type: string; targets?: Array<{ expr: string }> }>;
  };

  it('has seed 002’s alerts and the backlog, budget and circuit ones', () => {
    const names = rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert));
    for (const name of [
      'AgentHighLatency',
      'AgentHighErrorRate',
      'AgentRunQueueBacklog',
      'AgentApprovalBacklog',
      'AgentBudgetBurn',
      'ModelBackendCircuitOpen',
    ])
      expect(names).toContain(name);
  });

  it.runIf(PROMTOOL)('passes promtool check rules', () => {
    const result = spawnSync(PROMTOOL as string, ['check', 'rules', join(DIR, 'alerts.yml')], {
      encoding: 'utf8',
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('queries only metrics the platform exports, in the rules and in every dashboard panel', () => {
    const exprs = [
      ...rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr)),
      ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
    ];
    const used = new Set(exprs.flatMap(metricsIn));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('covers agents, LLM performance, cost by tenant and model, and governance', () => {
    const rows = dashboard.panels.filter((panel) => panel.type === 'row').map((panel) => panel.title);
    expect(rows).toEqual(['Agents overview', 'LLM performance', 'Cost', 'Governance']);
    const queries = JSON.stringify(dashboard.panels);
    expect(queries).toContain('sum by (tenant_id) (increase(agent_cost_usd_total');
    expect(queries).toContain('sum by (model_name) (increase(agent_cost_usd_total');
  });

  it('reads metric names out of PromQL (the check above depends on it)', () => {
    expect(
      metricsIn(
        'histogram_quantile(0.99, sum by (le) (rate(agent_request_duration_seconds_bucket{x="y"}[5m]))) > 10',
      ),
    ).toEqual(['agent_request_duration_seconds_bucket']);
    expect(metricsIn('a_total / on (tenant_id) group_left b_gauge > 0.5')).toEqual(['a_total', 'b_gauge']);
  });
});
