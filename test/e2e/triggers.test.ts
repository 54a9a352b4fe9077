import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditRecord, type Run, RunSchema, type Trigger } from '../../src/contracts/index.ts';
import { expectProblem, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { createAgent, echoAgent, keyWithRoles, tenantAdminKey, waitForStatus } from '../support/runs.ts';

/**
 * Webhook triggers through the real server: HMAC and token authentication, the payload mapped to
 * the run input, one run per alert id however often the SIEM re-sends it, and the problems a
 * wrong delivery gets.
 */
let t: TestPlatform;
const SECRET = 'siem-shared-secret';
const TOKEN = 'ticketing-token-0123456789';

const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** POSTs a raw body to a hook with no API key: only the trigger's own credentials. */
async function deliver(path: string, body: string, headers: Record<string, string> = {}) {
  return sendTo<{ run_id: string; duplicate: boolean; status: string; trigger: string }>(t, 'POST', path, {
    body,
    apiKey: null,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

const signed = (path: string, payload: object, secret = SECRET) => {
  const body = JSON.stringify(payload);
  return deliver(path, body, { 'x-signature-256': sign(body, secret) });
};

async function runsOf(agent: string): Promise<Run[]> {
  const reply = await sendTo<{ items: Run[] }>(t, 'GET', `/api/v1/runs?agent=${agent}&limit=500`);
  expect(reply.status).toBe(200);
  return reply.body.items;
}

async function trigger(name: string): Promise<Trigger> {
  const reply = await sendTo<Trigger>(t, 'GET', `/api/v1/triggers/${name}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

const webhook = (name: string, agent: string, spec: object = {}) => ({
  metadata: { name },
  spec: {
    type: 'webhook',
    agent,
    auth: { type: 'hmac', secretRef: { name: 'siem-hook' } },
    input: {
      text: 'alert ${payload.alert_id} from ${payload.src_ip}',
      ip: '${payload.src_ip}',
      at: '${payload.at}',
    },
    idempotency: { from: '${payload.alert_id}' },
    ...spec,
  },
});

async function createTrigger(manifest: object, apiKey?: string): Promise<Trigger> {
  const reply = await sendTo<Trigger>(t, 'POST', '/api/v1/triggers', {
    body: manifest,
    ...(apiKey ? { apiKey } : {}),
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

beforeAll(async () => {
  t = await startTestPlatform();
  await createAgent(t, echoAgent('triage'));
  for (const [name, value] of [
    ['siem-hook', SECRET],
    ['ticket-token', TOKEN],
  ] as const) {
    const reply = await sendTo(t, 'PUT', `/api/v1/secrets/${name}`, { body: { data: { value } } });
    expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(300);
  }
  await createTrigger(webhook('siem', 'triage'));
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('webhook triggers', { timeout: 60_000 }, () => {
  it('starts one run with the mapped input for a signed delivery, created by the trigger', async () => {
    const reply = await signed('/api/v1/hooks/siem', { alert_id: 'A-1', src_ip: '203.0.113.9', at: 1 });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    expect(reply.body).toMatchObject({ trigger: 'siem', duplicate: false });

    const run = RunSchema.parse((await sendTo(t, 'GET', `/api/v1/runs/${reply.body.run_id}`)).body);
    expect(run.input).toEqual({ text: 'alert A-1 from 203.0.113.9', ip: '203.0.113.9', at: 1 });
    expect(run.created_by).toBe('trigger:siem');
    expect(run.metadata).toEqual({ trigger: 'siem' });
    expect((await waitForStatus(t, run.id, 'completed')).output).toBe('alert A-1 from 203.0.113.9');
  });

  it('answers a re-sent alert with the run it started, even when the rest of the payload changed', async () => {
    const first = await signed('/api/v1/hooks/siem', { alert_id: 'A-2', src_ip: '198.51.100.7', at: 1 });
    expect(first.status).toBe(202);
    const again = await signed('/api/v1/hooks/siem', { alert_id: 'A-2', src_ip: '198.51.100.7', at: 2 });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ run_id: first.body.run_id, duplicate: true });
    expect((await runsOf('triage')).filter((run) => run.idempotency_key === 'trigger:siem:A-2')).toHaveLength(
      1,
    );

    const status = (await trigger('siem')).status;
    expect(status?.hookPath).toBe('/api/v1/hooks/siem');
    expect(status?.lastRunId).toBe(first.body.run_id);
    expect(status?.nextFireAt).toBeNull();
  });

  it('refuses a wrong or missing signature with 401 and starts nothing', async () => {
    const before = (await runsOf('triage')).length;
    const body = JSON.stringify({ alert_id: 'A-3', src_ip: '192.0.2.1' });
    expectProblem(
      await deliver('/api/v1/hooks/siem', body, { 'x-signature-256': sign(body, 'guess') }),
      401,
      'UNAUTHENTICATED',
    );
    expectProblem(await deliver('/api/v1/hooks/siem', body), 401, 'UNAUTHENTICATED');
    // Signed, then changed on the way: the signature covers the exact bytes.
    const tampered = body.replace('192.0.2.1', '192.0.2.2');
    expectProblem(
      await deliver('/api/v1/hooks/siem', tampered, { 'x-signature-256': sign(body) }),
      401,
      'UNAUTHENTICATED',
    );
    // An API key is no substitute for the trigger's signature.
    const withKey = await sendTo(t, 'POST', '/api/v1/hooks/siem', { body });
    expectProblem(withKey, 401, 'UNAUTHENTICATED');
    expect((await runsOf('triage')).length).toBe(before);

    const audit = await sendTo<{ items: AuditRecord[] }>(
      t,
      'GET',
      '/api/v1/audit?action=trigger_fire&actor=trigger:siem&limit=100',
    );
    const decisions = audit.body.items.map((record) => record.decision);
    expect(decisions).toEqual(expect.arrayContaining(['started', 'duplicate', 'refused']));
    expect(JSON.stringify(audit.body.items)).not.toContain(SECRET);
  });

  it('authenticates token triggers by Authorization: Bearer', async () => {
    await createTrigger(
      webhook('tickets', 'triage', {
        auth: { type: 'token', secretRef: { name: 'ticket-token', key: 'value' } },
        input: { text: '${payload.summary}' },
        idempotency: undefined,
      }),
    );
    const body = JSON.stringify({ summary: 'printer on fire' });
    const ok = await deliver('/api/v1/hooks/tickets', body, { authorization: `Bearer ${TOKEN}` });
    expect(ok.status, JSON.stringify(ok.body)).toBe(202);
    // No idempotency configured: every delivery is a run of its own.
    const second = await deliver('/api/v1/hooks/tickets', body, { authorization: `Bearer ${TOKEN}` });
    expect(second.status).toBe(202);
    expect(second.body.run_id).not.toBe(ok.body.run_id);
    expectProblem(
      await deliver('/api/v1/hooks/tickets', body, { authorization: 'Bearer nope' }),
      401,
      'UNAUTHENTICATED',
    );
    expectProblem(
      await deliver('/api/v1/hooks/tickets', body, { authorization: TOKEN }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('refuses a delivery without its idempotency field (naming it) or that is not JSON, with 400', async () => {
    const missing = await signed('/api/v1/hooks/siem', { src_ip: '203.0.113.9' });
    const problem = expectProblem(missing, 400, 'INVALID_REQUEST');
    expect(problem.detail).toContain('${payload.alert_id}');
    expect(problem.errors?.[0]?.pointer).toBe('/alert_id');

    const text = 'alert_id=A-9';
    expectProblem(
      await deliver('/api/v1/hooks/siem', text, { 'x-signature-256': sign(text) }),
      400,
      'MALFORMED_BODY',
    );
    expect((await trigger('siem')).status?.lastError).toContain('not valid JSON');
  });

  it('answers 404 for an unknown hook and 409 for a disabled trigger', async () => {
    expectProblem(await signed('/api/v1/hooks/nothing-here', { alert_id: 'A-4' }), 404, 'NOT_FOUND');
    await createTrigger(webhook('paused', 'triage', { enabled: false }));
    expectProblem(await signed('/api/v1/hooks/paused', { alert_id: 'A-4', src_ip: 'x' }), 409, 'CONFLICT');
  });

  it("receives a tenant's hooks under /api/v1/tenants/{tenant}/hooks/{name}, not under the platform path", async () => {
    const tenant = unique('hooks');
    const admin = await tenantAdminKey(t, tenant);
    await createAgent(t, echoAgent('triage'), { apiKey: admin });
    const secret = await sendTo(t, 'PUT', '/api/v1/secrets/siem-hook', {
      body: { data: { value: 'tenant-secret' } },
      apiKey: admin,
    });
    expect(secret.status).toBeLessThan(300);
    const created = await createTrigger(webhook('intake', 'triage'), admin);
    expect(created.status?.hookPath).toBe(`/api/v1/tenants/${tenant}/hooks/intake`);

    const payload = { alert_id: 'T-1', src_ip: '203.0.113.50', at: 1 };
    expect((await signed(`/api/v1/tenants/${tenant}/hooks/intake`, payload, 'tenant-secret')).status).toBe(
      202,
    );
    expectProblem(await signed('/api/v1/hooks/intake', payload, 'tenant-secret'), 404, 'NOT_FOUND');
    expectProblem(await signed('/api/v1/tenants/no-such-tenant/hooks/intake', payload), 404, 'NOT_FOUND');
  });
});

describe('trigger permissions and validation', () => {
  it('lets a viewer read triggers but not write them, by apply or by the API', async () => {
    const { key } = await keyWithRoles(t, ['viewer']);
    const listed = await sendTo<{ items: Trigger[] }>(t, 'GET', '/api/v1/triggers', { apiKey: key });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item) => item.metadata.name)).toContain('siem');
    expectProblem(
      await sendTo(t, 'POST', '/api/v1/triggers', { body: webhook('viewer-made', 'triage'), apiKey: key }),
      403,
      'PERMISSION_DENIED',
    );
    const manifest = {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'Trigger',
      ...webhook('viewer-made', 'triage'),
    };
    expectProblem(
      await sendTo(t, 'POST', '/api/v1/apply', { body: { items: [manifest] }, apiKey: key }),
      403,
      'PERMISSION_DENIED',
    );
    expectProblem(
      await sendTo(t, 'DELETE', '/api/v1/triggers/siem', { apiKey: key }),
      403,
      'PERMISSION_DENIED',
    );
  });

  it('points at the cron expression of a schedule that does not parse', async () => {
    const reply = await sendTo(t, 'POST', '/api/v1/apply', {
      body: {
        items: [
          {
            apiVersion: 'agenticai.dev/v1alpha1',
            kind: 'Trigger',
            metadata: { name: 'broken' },
            spec: { type: 'schedule', agent: 'triage', schedule: { cron: '*/5 * * *  * * * *' } },
          },
        ],
      },
    });
    const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
    expect(problem.errors?.map((e) => e.pointer)).toEqual(['/items/0/spec/schedule/cron']);
  });

  it('runs as the principal named by runAs, which must exist', async () => {
    const missing = await sendTo(t, 'POST', '/api/v1/triggers', {
      body: webhook('as-nobody', 'triage', { runAs: 'no-such-account' }),
    });
    expect(expectProblem(missing, 400, 'INVALID_REQUEST').errors?.map((e) => e.pointer)).toEqual([
      '/spec/runAs',
    ]);
    const account = await sendTo(t, 'POST', '/api/v1/principals', {
      body: { name: 'siem-bot', kind: 'service_account', roles: ['viewer'] },
    });
    expect(account.status, JSON.stringify(account.body)).toBe(201);
    await createTrigger(webhook('as-bot', 'triage', { runAs: 'siem-bot' }));
    const reply = await signed('/api/v1/hooks/as-bot', { alert_id: 'B-1', src_ip: '198.51.100.7', at: 2 });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const run = RunSchema.parse((await sendTo(t, 'GET', `/api/v1/runs/${reply.body.run_id}`)).body);
    expect(run.created_by).toBe('siem-bot');
    expect(run.metadata).toEqual({ trigger: 'as-bot' });
  });

  it('points at an agent that does not exist and at a malformed reference', async () => {
    const noAgent = await sendTo(t, 'POST', '/api/v1/triggers', { body: webhook('orphan', 'nobody') });
    expect(expectProblem(noAgent, 400, 'INVALID_REQUEST').errors?.map((e) => e.pointer)).toEqual([
      '/spec/agent',
    ]);
    const badRef = await sendTo(t, 'POST', '/api/v1/triggers', {
      body: webhook('bad-ref', 'triage', { input: { text: '${input.text}' } }),
    });
    expect(expectProblem(badRef, 400, 'INVALID_REQUEST').errors?.map((e) => e.pointer)).toEqual([
      '/spec/input/text',
    ]);
  });
});
