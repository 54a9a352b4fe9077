import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatasetExample, type Feedback, routes } from '../../src/contracts/index.ts';
import { applyAs, isolatedTenant, member, policyManifest } from '../support/governance.ts';
import { expectProblem, sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { getRun, reactAgent, startRun, waitForStatus, waitUntil } from '../support/runs.ts';
import {
  lastUserMessage,
  type ScriptedModelServer,
  startScriptedModelServer,
} from '../support/scripted-model-server.ts';

/**
 * Feedback on runs and the preference datasets made from it, over HTTP against a real platform
 * whose react agent talks to a scripted OpenAI-compatible model. Each test has its own tenant,
 * whose policy masks e-mail addresses and employee ids (redact); exports add every built-in
 * detector on top (phone numbers and AWS keys become "*").
 */

const SYSTEM_PROMPT = 'You triage security alerts for the SOC.';
const PHONE = '13812345678';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const ALERT = `Alert: host web-7 beaconing; on-call phone ${PHONE}`;
const MASKED_ALERT = 'Alert: host web-7 beaconing; on-call phone ***********';
const CORRECTION = `Close it: EMP-4821 owns the host; rotate key ${AWS_KEY}.`;
/** As stored: the tenant's rules only (the employee id); the key is not one of its detectors. */
const STORED_CORRECTION = `Close it: [REDACTED:employee_id] owns the host; rotate key ${AWS_KEY}.`;
/** As exported: the tenant's rules, then every built-in detector. */
const EXPORTED_CORRECTION =
  'Close it: [REDACTED:employee_id] owns the host; rotate key ********************.';

/** A route's success schema: what the server promises (and the OpenAPI document publishes). */
function successOf<S>(schema: S | undefined): S {
  if (!schema) throw new Error('the route declares no success schema');
  return schema;
}
const FeedbackSchema = successOf(routes.giveRunFeedback.success.schema);
const FeedbackPage = successOf(routes.listRunFeedback.success.schema);
const ExportPage = successOf(routes.exportPreferences.success.schema);

let t: TestPlatform;
let model: ScriptedModelServer;

beforeAll(async () => {
  [t, model] = await Promise.all([startTestPlatform(), startScriptedModelServer()]);
  // The agent's answer repeats what it was asked, so each run's output is its own.
  model.setHandler((request) => ({ content: `Escalate: ${lastUserMessage(request)}` }));
});

afterAll(async () => {
  await Promise.all([t?.close(), model?.close()]);
});

interface Tenant {
  tenant: string;
  admin: string;
}

/** A tenant with the masking policy, a model backend and the `triage` react agent. */
async function feedbackTenant(): Promise<Tenant> {
  const { tenant, admin } = await isolatedTenant(t);
  await applyAs(t, admin, [
    policyManifest('masking', {
      pii_masking: {
        detectors: ['EMAIL'],
        default_action: 'redact',
        rules: [{ name: 'employee_id', regex: 'EMP-\\d{4}', action: 'redact' }],
      },
    }),
    {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'ModelBackend',
      metadata: { name: 'scripted' },
      spec: { type: 'openai-compatible', endpoint: model.url, models: ['m'] },
    },
    reactAgent('triage', 'scripted', { systemPrompt: SYSTEM_PROMPT }),
  ]);
  return { tenant, admin };
}

async function finishedRun(tenant: Tenant, input: string): Promise<{ id: string; output: string }> {
  const run = await startRun(t, 'triage', { input }, { apiKey: tenant.admin });
  const done = await waitForStatus(t, run.id, 'completed', { apiKey: tenant.admin });
  return { id: run.id, output: String(done.output) };
}

const give = (key: string, runId: string, body: unknown) =>
  sendTo<Feedback>(t, 'POST', `/api/v1/runs/${runId}/feedback`, { apiKey: key, body });

async function feedbackOn(key: string, runId: string): Promise<Feedback[]> {
  const reply = await sendTo(t, 'GET', `/api/v1/runs/${runId}/feedback`, { apiKey: key });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return FeedbackPage.parse(reply.body).items;
}

/** Every example of the format, following nextCursor page by page; also returns the raw text. */
async function exportAll(key: string, format: 'dpo' | 'sft', limit = 100) {
  const items: DatasetExample[] = [];
  let text = '';
  let cursor: string | null = null;
  do {
    const query: string = `format=${format}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await t.request('GET', `/api/v1/datasets/preferences?${query}`, { apiKey: key });
    const body = await response.text();
    expect(response.status, body).toBe(200);
    text += body;
    const page = ExportPage.parse(JSON.parse(body));
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return { items, text };
}

describe('run feedback', () => {
  it('keeps one feedback per principal: a repeat replaces it (201, then 200), DELETE withdraws it', async () => {
    const tenant = await feedbackTenant();
    const viewer = await member(t, tenant.tenant, ['viewer']);
    const run = await finishedRun(tenant, 'first alert');

    const created = await give(viewer.key, run.id, { score: 1 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(FeedbackSchema.parse(created.body)).toMatchObject({
      run_id: run.id,
      agent: 'triage',
      principal: viewer.name,
      score: 1,
    });

    const replaced = await give(viewer.key, run.id, {
      score: -1,
      correction: CORRECTION,
      category: 'wrong_action',
    });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body.id).toBe(created.body.id);
    expect(replaced.body).toMatchObject({
      score: -1,
      category: 'wrong_action',
      correction: STORED_CORRECTION,
    });

    expect((await give(tenant.admin, run.id, { score: 1 })).status).toBe(201);
    const listed = await feedbackOn(viewer.key, run.id);
    expect(listed.map((f) => [f.principal, f.score])).toHaveLength(2);
    expect(listed.find((f) => f.principal === viewer.name)).toMatchObject({ score: -1 });

    const withdrawn = await sendTo(t, 'DELETE', `/api/v1/runs/${run.id}/feedback`, { apiKey: viewer.key });
    expect(withdrawn.status).toBe(204);
    expect((await feedbackOn(viewer.key, run.id)).map((f) => f.principal)).not.toContain(viewer.name);
    const again = await sendTo(t, 'DELETE', `/api/v1/runs/${run.id}/feedback`, { apiKey: viewer.key });
    expectProblem(again, 404, 'NOT_FOUND');
  });

  it('audits each change with its operation, the correction masked', async () => {
    const tenant = await feedbackTenant();
    const run = await finishedRun(tenant, 'audited alert');
    expect((await give(tenant.admin, run.id, { score: 1 })).status).toBe(201);
    expect((await give(tenant.admin, run.id, { score: -1, correction: CORRECTION })).status).toBe(200);
    const audit = await sendTo<{ items: Array<{ action: string; actor_type: string; input: unknown }> }>(
      t,
      'GET',
      `/api/v1/audit?action=feedback&run=${run.id}`,
      { apiKey: tenant.admin },
    );
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    const operations = audit.body.items.map((r) => (r.input as { operation: string }).operation);
    expect(operations.sort()).toEqual(['create', 'replace']);
    expect(JSON.stringify(audit.body)).not.toContain(AWS_KEY);
  });

  it("answers 404 for another tenant's run and for a run that does not exist", async () => {
    const owner = await feedbackTenant();
    const other = await isolatedTenant(t);
    const run = await finishedRun(owner, 'private alert');
    expectProblem(await give(other.admin, run.id, { score: 1 }), 404, 'NOT_FOUND');
    expectProblem(
      await sendTo(t, 'GET', `/api/v1/runs/${run.id}/feedback`, { apiKey: other.admin }),
      404,
      'NOT_FOUND',
    );
    expectProblem(await give(owner.admin, 'no-such-run', { score: 1 }), 404, 'NOT_FOUND');
    expect(await feedbackOn(owner.admin, run.id)).toEqual([]);
  });

  it('refuses bad feedback with a pointer to the field, and writes nothing', async () => {
    const tenant = await feedbackTenant();
    const run = await finishedRun(tenant, 'validated alert');
    const zero = expectProblem(await give(tenant.admin, run.id, { score: 0 }), 400, 'INVALID_REQUEST');
    expect(zero.errors?.map((e) => e.pointer)).toEqual(['/score']);
    const long = expectProblem(
      await give(tenant.admin, run.id, { score: -1, correction: 'x'.repeat(32 * 1024 + 1) }),
      400,
      'INVALID_REQUEST',
    );
    expect(long.errors?.map((e) => e.pointer)).toEqual(['/correction']);
    const category = expectProblem(
      await give(tenant.admin, run.id, { score: 1, category: 'Not A Label!' }),
      400,
      'INVALID_REQUEST',
    );
    expect(category.errors?.map((e) => e.pointer)).toEqual(['/category']);
    expect(await feedbackOn(tenant.admin, run.id)).toEqual([]);
  });

  it('refuses feedback while the run is still running (409), and takes it once it has ended', async () => {
    const tenant = await feedbackTenant();
    const asked = model.requestCount;
    model.enqueue({ hang: true });
    const run = await startRun(t, 'triage', { input: 'slow alert' }, { apiKey: tenant.admin });
    // The model has the question (and keeps it): the run is inside its model call.
    await waitUntil(
      async () => model.requestCount,
      (count) => count > asked,
      () => `run ${run.id} never called the model`,
    );
    expect((await getRun(t, run.id, tenant.admin)).status).toBe('running');
    expectProblem(await give(tenant.admin, run.id, { score: -1 }), 409, 'CONFLICT');
    const cancel = await sendTo(t, 'POST', `/api/v1/runs/${run.id}:cancel`, {
      apiKey: tenant.admin,
      body: {},
    });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    await waitForStatus(t, run.id, 'cancelled', { apiKey: tenant.admin });
    expect((await give(tenant.admin, run.id, { score: -1 })).status).toBe(201);
  });

  it('lets a viewer give feedback, and only operators and admins export datasets', async () => {
    const tenant = await feedbackTenant();
    const [viewer, developer, operator] = await Promise.all([
      member(t, tenant.tenant, ['viewer']),
      member(t, tenant.tenant, ['developer']),
      member(t, tenant.tenant, ['operator']),
    ]);
    const run = await finishedRun(tenant, 'permission alert');
    expect((await give(viewer.key, run.id, { score: 1 })).status).toBe(201);
    for (const key of [viewer.key, developer.key]) {
      const denied = await sendTo(t, 'GET', '/api/v1/datasets/preferences?format=sft', { apiKey: key });
      expectProblem(denied, 403, 'PERMISSION_DENIED');
    }
    const { items } = await exportAll(operator.key, 'sft');
    expect(items.map((item) => item.run_id)).toEqual([run.id]);
  });
});

describe('preference datasets', () => {
  it("exports a correction as chosen against the agent's answer as rejected, masked with the policy's rules", async () => {
    const tenant = await feedbackTenant();
    const reviewer = await member(t, tenant.tenant, ['viewer']);
    const run = await finishedRun(tenant, ALERT);
    const liked = await finishedRun(tenant, 'a quiet alert');
    expect(
      (await give(reviewer.key, run.id, { score: -1, correction: CORRECTION, category: 'false_positive' }))
        .status,
    ).toBe(201);
    expect((await give(reviewer.key, liked.id, { score: 1 })).status).toBe(201);

    const { items, text } = await exportAll(tenant.admin, 'dpo');
    expect(items).toEqual([
      {
        prompt: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: MASKED_ALERT },
        ],
        chosen: [{ role: 'assistant', content: EXPORTED_CORRECTION }],
        rejected: [{ role: 'assistant', content: `Escalate: ${MASKED_ALERT}` }],
        run_id: run.id,
        agent: 'triage',
        agent_version: 1,
        score: -1,
        category: 'false_positive',
      },
    ]);
    for (const raw of [PHONE, AWS_KEY, 'EMP-4821']) expect(text).not.toContain(raw);
  });

  it('exports upvoted answers of runs nobody downvoted, and corrections, as SFT examples', async () => {
    const tenant = await feedbackTenant();
    const [alice, bob] = await Promise.all([
      member(t, tenant.tenant, ['viewer']),
      member(t, tenant.tenant, ['viewer']),
    ]);
    const liked = await finishedRun(tenant, `liked, call ${PHONE}`);
    const contested = await finishedRun(tenant, 'contested alert');
    const corrected = await finishedRun(tenant, 'corrected alert');
    const disliked = await finishedRun(tenant, 'disliked alert');
    expect((await give(alice.key, liked.id, { score: 1, category: 'good' })).status).toBe(201);
    expect((await give(bob.key, liked.id, { score: 1 })).status).toBe(201);
    expect((await give(alice.key, contested.id, { score: 1 })).status).toBe(201);
    expect((await give(bob.key, contested.id, { score: -1 })).status).toBe(201);
    expect(
      (await give(alice.key, corrected.id, { score: -1, correction: 'Escalate to the web team.' })).status,
    ).toBe(201);
    expect((await give(alice.key, disliked.id, { score: -1 })).status).toBe(201);

    const { items, text } = await exportAll(tenant.admin, 'sft', 1);
    expect(items.map((item) => [item.run_id, 'completion' in item ? item.completion_source : null])).toEqual([
      [liked.id, 'output'],
      [corrected.id, 'correction'],
    ]);
    expect(items[0]).toMatchObject({
      prompt: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: 'liked, call ***********' },
      ],
      completion: [{ role: 'assistant', content: 'Escalate: liked, call ***********' }],
      score: 1,
      category: 'good',
    });
    expect(items[1]).toMatchObject({
      completion: [{ role: 'assistant', content: 'Escalate to the web team.' }],
    });
    expect(text).not.toContain(PHONE);
  });

  it('filters by agent and by when the feedback was given', async () => {
    const tenant = await feedbackTenant();
    const run = await finishedRun(tenant, 'filtered alert');
    expect((await give(tenant.admin, run.id, { score: 1 })).status).toBe(201);
    const page = async (query: string) => {
      const reply = await sendTo(t, 'GET', `/api/v1/datasets/preferences?format=sft&${query}`, {
        apiKey: tenant.admin,
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      return ExportPage.parse(reply.body).items.map((item) => item.run_id);
    };
    expect(await page('agent=triage')).toEqual([run.id]);
    expect(await page('agent=other')).toEqual([]);
    expect(await page('from=2000-01-01T00:00:00Z')).toEqual([run.id]);
    expect(await page(`from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).toEqual(
      [],
    );
    const reversed = await sendTo(
      t,
      'GET',
      '/api/v1/datasets/preferences?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      {
        apiKey: tenant.admin,
      },
    );
    expect(expectProblem(reversed, 400, 'INVALID_REQUEST').errors?.map((e) => e.pointer)).toEqual([
      '/query/to',
    ]);
  });
});
