import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAs, isolatedTenant, policyManifest } from '../support/governance.ts';
import { sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { reactAgent, startRun, waitForStatus, waitUntil } from '../support/runs.ts';
import { type ScriptedModelServer, startScriptedModelServer } from '../support/scripted-model-server.ts';

/**
 * Runs whose agent names a model alias think through the model gateway: the alias routes (here:
 * fails over past a broken backend), the call is audited as `llm_invoke` with the run's id, and a
 * run budget stops the run when it is spent.
 */
let t: TestPlatform;
let upstream: ScriptedModelServer;
let broken: ScriptedModelServer;

const manifest = (kind: string, name: string, spec: object) => ({
  apiVersion: 'agenticai.dev/v1alpha1',
  kind,
  metadata: { name },
  spec,
});

async function tenantWithAlias(extra: object[] = []): Promise<string> {
  const { admin } = await isolatedTenant(t);
  await applyAs(t, admin, [
    manifest('ModelBackend', 'good', { type: 'openai-compatible', endpoint: upstream.url, models: ['m'] }),
    manifest('ModelBackend', 'bad', { type: 'openai-compatible', endpoint: broken.url, models: ['m'] }),
    manifest('ModelAlias', 'thinker', { targets: [{ backend: 'bad' }, { backend: 'good' }] }),
    reactAgent('analyst', 'thinker'),
    ...extra,
  ]);
  return admin;
}

beforeAll(async () => {
  [upstream, broken] = await Promise.all([startScriptedModelServer(), startScriptedModelServer()]);
  broken.setHandler(() => ({ status: 500 }));
  t = await startTestPlatform();
}, 60_000);

afterAll(async () => {
  await t?.close();
  await Promise.all([upstream?.close(), broken?.close()]);
});

describe('runs through the model gateway', { timeout: 60_000 }, () => {
  it('routes an agent on a model alias through the gateway and audits the route with the run', async () => {
    const key = await tenantWithAlias();
    upstream.enqueue({ content: 'the host is clean', usage: { prompt_tokens: 12, completion_tokens: 4 } });
    const run = await startRun(t, 'analyst', { input: 'check host alpha' }, { apiKey: key });
    const done = await waitForStatus(t, run.id, 'completed', { apiKey: key });
    expect(JSON.stringify(done.output)).toContain('the host is clean');
    expect(broken.requests.length).toBeGreaterThan(0);

    const records = await waitUntil(
      async () =>
        (
          await sendTo<{
            items: { tool: string; metadata: Record<string, unknown> }[];
          }>(t, 'GET', `/api/v1/audit?action=llm_route&run=${run.id}`, { apiKey: key })
        ).body.items ?? [],
      (items) => items.some((item) => item.tool === 'good/m'),
      (items) => JSON.stringify(items),
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      actor_type: 'agent',
      actor: 'analyst',
      tool: 'good/m',
      metadata: { requested: 'thinker', agent: 'analyst', input_tokens: 12, output_tokens: 4 },
    });
    // The call itself is counted once, by the run's governance, as its llm_invoke.
    const invokes = await sendTo<{ items: unknown[] }>(
      t,
      'GET',
      `/api/v1/audit?action=llm_invoke&run=${run.id}`,
      {
        apiKey: key,
      },
    );
    expect(invokes.body.items).toHaveLength(1);
  });

  it('fails the run with the budget named when its run budget is spent', async () => {
    const key = await tenantWithAlias([
      policyManifest('run-budget', { budgets: [{ name: 'per-run', scope: 'run', limit: 10 }] }),
    ]);
    const run = await startRun(t, 'analyst', { input: 'check host beta' }, { apiKey: key });
    const failed = await waitForStatus(t, run.id, 'failed', { apiKey: key });
    expect(JSON.stringify(failed.error)).toContain('per-run');
  });
});
