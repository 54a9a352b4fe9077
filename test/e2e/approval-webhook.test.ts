import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval } from '../../src/contracts/index.ts';
import { type ActlPlatform, startActlPlatform } from '../support/actl-platform.ts';
import { approvalsOf, gatedTenant as gatedTenantOf, member } from '../support/governance.ts';
import { sendTo } from '../support/http.ts';
import type { TestPlatform } from '../support/platform.ts';
import { startRun, waitForStatus, waitUntil } from '../support/runs.ts';
import {
  startWebhookReceiverDouble,
  verifyWebhookSignature,
  type WebhookDelivery,
  type WebhookReceiverDouble,
} from '../support/webhook-receiver-double.ts';

/**
 * The approval webhook from a real `actl serve` process to a real socket: signed deliveries of
 * approval.requested and approval.decided, a retry after a 503, masked arguments, and a secret
 * that never reaches the process output.
 */
const SECRET = 'whsec_e2e_7f3a9c21d4b86e05a1';
const EMAIL = 'ops.lead@example.com';

let receiver: WebhookReceiverDouble;
let server: ActlPlatform;
let t: TestPlatform;

beforeAll(async () => {
  // The first delivery attempt the double sees is answered 503; everything after it, 200.
  receiver = await startWebhookReceiverDouble({ script: [503] });
  server = await startActlPlatform({
    command: 'serve',
    prefix: 'webhook',
    env: {
      AGENTICAI_APPROVAL_WEBHOOK_URL: receiver.url,
      AGENTICAI_APPROVAL_WEBHOOK_SECRET: SECRET,
      AGENTICAI_LOG_LEVEL: 'debug',
      AGENTICAI_WORKER_POLL_MS: '200',
    },
  });
  t = server.t;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

interface Payload {
  event: string;
  approval: Approval;
}

const payloadOf = (delivery: WebhookDelivery) => JSON.parse(delivery.rawBody) as Payload;

/** Waits until the double has received `count` deliveries of `event` for this approval. */
function deliveriesFor(approvalId: string, event: string, count = 1): Promise<WebhookDelivery[]> {
  const matching = () =>
    receiver.deliveries.filter((d) => {
      const payload = payloadOf(d);
      return payload.event === event && payload.approval.id === approvalId;
    });
  return waitUntil(
    async () => matching(),
    (found) => found.length >= count,
    (found) =>
      `${found.length} of ${count} ${event} deliveries for ${approvalId}; all: ${receiver.deliveries
        .map((d) => `${d.answered}:${d.rawBody.slice(0, 80)}`)
        .join(' | ')}`,
    30_000,
  );
}

const gatedTenant = () => gatedTenantOf(t);

async function pausedRun(admin: string, input: string) {
  const run = await startRun(t, 'wf', { input }, { apiKey: admin });
  const paused = await waitForStatus(t, run.id, 'paused', { apiKey: admin });
  expect(paused.status_reason).toBe('approval');
  const [approval] = await approvalsOf(t, admin, run.id);
  expect(approval).toBeDefined();
  return { runId: run.id, approval: approval as Approval };
}

function expectSignedDelivery(delivery: WebhookDelivery, event: string) {
  expect(delivery.method).toBe('POST');
  expect(delivery.path).toBe('/hooks/approvals');
  expect(delivery.headers['content-type']).toMatch(/^application\/json/);
  expect(delivery.headers['x-agenticai-event']).toBe(event);
  const timestamp = String(delivery.headers['x-agenticai-timestamp']);
  // Unix seconds (not milliseconds): within a day of now, a window a receiver can check.
  expect(timestamp).toMatch(/^\d{10}$/);
  expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(86_400);
  const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${delivery.rawBody}`).digest('hex')}`;
  expect(delivery.headers['x-agenticai-signature']).toBe(expected);
  expect(verifyWebhookSignature(delivery, SECRET)).toBe(true);
  // The signature covers the body: another secret, or one changed byte, does not verify.
  expect(verifyWebhookSignature(delivery, `${SECRET}x`)).toBe(false);
  expect(verifyWebhookSignature({ ...delivery, rawBody: `${delivery.rawBody} ` }, SECRET)).toBe(false);
}

describe('approval webhook (actl serve as a child process)', { timeout: 90_000 }, () => {
  it('delivers a signed approval.requested, retried after a 503, then approval.decided', async () => {
    const { tenant, admin } = await gatedTenant();
    const { runId, approval } = await pausedRun(admin, `please rm the temp dir, then tell ${EMAIL}`);

    // The double refused the first attempt with 503; the notifier sent the same event again.
    const requested = await deliveriesFor(approval.id, 'approval.requested', 2);
    const [first, second] = requested as [WebhookDelivery, WebhookDelivery];
    expect(first.answered).toBe(503);
    expect(second.answered).toBe(200);
    expect(payloadOf(second)).toEqual(payloadOf(first));
    for (const delivery of requested) expectSignedDelivery(delivery, 'approval.requested');

    const body = payloadOf(second);
    expect(Object.keys(body).sort()).toEqual(['approval', 'event']);
    expect(body.event).toBe('approval.requested');
    expect(body.approval).toMatchObject({
      id: approval.id,
      run_id: runId,
      status: 'pending',
      kind: 'gate',
      tool: 'echo',
      approvers: ['group:sre-leads'],
      rules: ['gates/approval_gates/rm-needs-ok'],
      call_hash: approval.call_hash,
    });
    // The arguments are masked before they leave the platform.
    expect(second.rawBody).not.toContain(EMAIL);
    expect(JSON.stringify(body.approval.arguments)).toContain('***.****@*******.***');

    const lead = await member(t, tenant, ['viewer'], ['sre-leads']);
    const approved = await sendTo<Approval>(t, 'POST', `/api/v1/approvals/${approval.id}:approve`, {
      apiKey: lead.key,
      body: { comment: 'looks fine' },
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);

    const [decided] = await deliveriesFor(approval.id, 'approval.decided');
    expectSignedDelivery(decided as WebhookDelivery, 'approval.decided');
    const decidedBody = payloadOf(decided as WebhookDelivery);
    expect(decidedBody.event).toBe('approval.decided');
    expect(decidedBody.approval).toMatchObject({
      id: approval.id,
      run_id: runId,
      status: 'approved',
      decisions: [{ by: lead.name, decision: 'approve', comment: 'looks fine' }],
    });
    await waitForStatus(t, runId, 'completed', { apiKey: admin });
  });

  it('delivers approval.decided with status rejected when an approver rejects', async () => {
    const { tenant, admin } = await gatedTenant();
    const { runId, approval } = await pausedRun(admin, 'rm -rf /var/tmp/cache');
    const [requested] = await deliveriesFor(approval.id, 'approval.requested');
    expect(requested?.answered).toBe(200);

    const lead = await member(t, tenant, ['viewer'], ['sre-leads']);
    const rejected = await sendTo<Approval>(t, 'POST', `/api/v1/approvals/${approval.id}:reject`, {
      apiKey: lead.key,
      body: { comment: 'no' },
    });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    const [decided] = await deliveriesFor(approval.id, 'approval.decided');
    expectSignedDelivery(decided as WebhookDelivery, 'approval.decided');
    expect(payloadOf(decided as WebhookDelivery).approval).toMatchObject({
      id: approval.id,
      status: 'rejected',
    });
    const run = await waitForStatus(t, runId, 'failed', { apiKey: admin });
    expect(run.status_reason).toBe('rejected');
  });

  it('never writes the webhook secret to the process output', async () => {
    // Both tests above ran through this process at debug level, a 503 included; stopping it
    // flushes everything it wrote.
    expect(receiver.deliveries.length).toBeGreaterThanOrEqual(5);
    await server.stop();
    const output = server.output();
    expect(output).toMatch(/"msg":"request"/);
    expect(output).not.toContain(SECRET);
    for (const delivery of receiver.deliveries) expect(delivery.rawBody).not.toContain(SECRET);
  });
});
