import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval, Page, RunLineage } from '../../src/contracts/index.ts';
import { childStore, remotePlatform } from '../support/actl-platform.ts';
import { type ActlProcess, freePort, runActl, startActl, waitForOk, within } from '../support/cli.ts';
import { sendTo } from '../support/http.ts';
import type { TestPlatform } from '../support/platform.ts';
import { openEvents, type RunSseEvent, SseReader, waitForStatus, waitUntil } from '../support/runs.ts';
import {
  lastUserMessage,
  type RecordedRequest,
  type ScriptedModelServer,
  type ScriptedReply,
  startScriptedModelServer,
} from '../support/scripted-model-server.ts';
import {
  startWebhookReceiverDouble,
  verifyWebhookSignature,
  type WebhookReceiverDouble,
} from '../support/webhook-receiver-double.ts';

/**
 * Seed 004 §7 as a user meets it: `actl up` (a separate process) loads the security-operations
 * scenario and starts its tool servers; a SIEM alert posted to the webhook starts the triage
 * workflow, which reads the SOP, gathers evidence, asks the model (the scripted model server, a
 * TEST DOUBLE of the LLM) and proposes a firewall block that waits for a person. Everything is
 * driven through bin/actl and the HTTP API only.
 */
const ALERT = JSON.parse(readFileSync(join(import.meta.dirname, '../../examples/secops/alert.json'), 'utf8'));
const PHONE = '13812345678';
const APPROVAL_SECRET = 'approval-hook-secret-1';
const CORRECTION = `Block it, and also reset alice.chen's VPN credentials (NOC callback ${PHONE}).`;

let model: ScriptedModelServer;
let receiver: WebhookReceiverDouble;
const store = childStore('secops');
const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-secops-'));
const home = mkdtempSync(join(tmpdir(), 'agenticai-secops-home-'));
const adminKey = `ak_secops_${Date.now().toString(36)}_0123456789abcdef`;
let up: { process: ActlProcess; t: TestPlatform } | undefined;

/** `actl up` on the scenario's data dir (fresh the first time, the same one after a kill). */
async function startUp(): Promise<{ process: ActlProcess; t: TestPlatform }> {
  const port = await freePort();
  const process = startActl(['up', '--port', String(port), '--data-dir', dataDir], {
    env: {
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      AGENTICAI_BOOTSTRAP_ADMIN_KEY: adminKey,
      AGENTICAI_OPENAI_BASE_URL: model.url,
      AGENTICAI_OPENAI_MODEL: 'scripted-analyst',
      AGENTICAI_APPROVAL_WEBHOOK_URL: receiver.url,
      AGENTICAI_APPROVAL_WEBHOOK_SECRET: APPROVAL_SECRET,
      ...store.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const alive = () => process.child.exitCode === null && process.child.signalCode === null;
  try {
    await waitForOk(`${url}/readyz`, 90_000, alive);
    await waitUntil(
      async () => process.stdout(),
      (out) => out.includes('Stop with Ctrl-C'),
      () => `the banner of actl up:\n${process.stdout()}\n${process.stderr()}`,
      15_000,
    );
  } catch (error) {
    process.kill();
    throw new Error(`${(error as Error).message}\n${process.stdout()}\n${process.stderr()}`);
  }
  return { process, t: remotePlatform(url, adminKey, dataDir) };
}

const actl = (args: string[], env: Record<string, string> = {}) => {
  if (!up) throw new Error('actl up is not running');
  return runActl(args, {
    env: { AGENTICAI_SERVER: up.t.url, AGENTICAI_API_KEY: adminKey, HOME: home, ...env },
  });
};

/** Posts the alert to the SIEM webhook, signed with the secret the demo saved; returns the run id. */
async function fireAlert(alert: object): Promise<{ runId: string; duplicate: boolean }> {
  const secret = readFileSync(join(dataDir, 'siem-webhook.secret'), 'utf8').trim();
  const sent = await actl(
    ['hooks', 'send', 'siem-alert', '--data', JSON.stringify(alert), '--secret-env', 'SIEM'],
    {
      SIEM: secret,
    },
  );
  expect(sent.code, sent.stderr).toBe(0);
  const runId = /run (\S+)/.exec(sent.stdout)?.[1];
  if (!runId) throw new Error(`no run id in: ${sent.stdout}`);
  return { runId, duplicate: sent.stdout.includes('duplicate') };
}

async function pendingApproval(t: TestPlatform, runId: string): Promise<Approval> {
  const approvals = await waitUntil(
    async () => (await sendTo<Page<Approval>>(t, 'GET', '/api/v1/approvals?status=pending')).body.items,
    (items) => items.some((approval) => approval.run_id === runId),
    () => `a pending approval for run ${runId}`,
    30_000,
  );
  return approvals.find((approval) => approval.run_id === runId) as Approval;
}

const firewallRules = () =>
  (
    JSON.parse(readFileSync(join(dataDir, 'secops', 'firewall.json'), 'utf8')) as {
      rules: Array<{ ip: string }>;
    }
  ).rules;

/**
 * The react variant's model: it searches the SOP, checks the source's reputation, then answers
 * citing the first passage; one step per tool result it has seen.
 */
function reactStep(request: RecordedRequest): ScriptedReply {
  const results = request.body.messages.filter((message) => message.role === 'tool');
  if (results.length === 0)
    return { toolCalls: [{ name: 'knowledge_search', arguments: { query: 'vpn brute force containment' } }] };
  if (results.length === 1)
    return { toolCalls: [{ name: 'threat-intel__ip_reputation', arguments: { ip: '198.51.100.23' } }] };
  const chunk = /\[chunk:([0-9a-f-]{36})\]/.exec(results[0]?.content ?? '')?.[1] ?? 'none';
  return { content: `198.51.100.23 scores 71 (suspicious): watch for 24 hours, no block [chunk:${chunk}].` };
}

beforeAll(async () => {
  model = await startScriptedModelServer();
  // The analyst model: cites the first SOP passage it was given, and repeats the callback number
  // (which the audit log must not keep).
  model.setHandler((request) => {
    if (request.body.tools) return reactStep(request);
    const prompt = lastUserMessage(request);
    const chunk = /"chunkId":"([^"]+)"/.exec(prompt)?.[1] ?? 'none';
    return {
      content: JSON.stringify({
        verdict: 'malicious',
        action: 'block',
        reasoning: `Brute force from a tor exit scored 92; SOP-017 says block. NOC callback ${PHONE}.`,
        citations: [`[chunk:${chunk}]`],
      }),
      usage: { prompt_tokens: 400, completion_tokens: 60 },
    };
  });
  receiver = await startWebhookReceiverDouble();
  up = await startUp();
}, 180_000);

afterAll(async () => {
  if (up && up.process.child.exitCode === null) {
    up.process.child.kill('SIGTERM');
    await within(up.process.exited, 20_000, 'actl up after SIGTERM').catch(() => up?.process.kill());
  }
  await model?.close();
  await receiver?.close();
  await store.drop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe('the security-operations copilot, through actl up', () => {
  it('prints what to do next: the alert to fire, the run to watch, the approval to give', () => {
    const banner = up?.process.stdout() ?? '';
    expect(banner).toContain('bin/actl hooks send siem-alert --data @examples/secops/alert.json');
    expect(banner).toContain('bin/actl runs events RUN_ID --follow');
    expect(banner).toContain('bin/actl approvals approve APPROVAL_ID');
    expect(banner).toContain('Model: scripted-analyst');
  });

  it('triages an alert sent twice as one run: SOP, analysis, evidence, one approved block, citations, feedback', async () => {
    const t = (up as { t: TestPlatform }).t;
    // The knowledge base was queued at start; its SOPs must be in before the alert is worth sending.
    await waitUntil(
      async () =>
        (
          await sendTo<{ items: Array<{ status: string }> }>(
            t,
            'GET',
            '/api/v1/knowledge-bases/secops-kb/jobs',
          )
        ).body.items,
      (jobs) => jobs.length > 0 && jobs.every((job) => job.status === 'succeeded'),
      () => 'the ingestion of the scenario knowledge',
      60_000,
    );

    const first = await fireAlert(ALERT);
    const events = new SseReader(await openEvents(t, first.runId));
    const again = await fireAlert({ ...ALERT, observed_at: '2026-12-07T08:42:00Z' });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ runId: first.runId, duplicate: true });

    // Live events, in order, until the run waits for the approval.
    const seen: RunSseEvent[] = [];
    const readUntil = async (type: string) => {
      for (;;) {
        const event = await within(events.next(), 30_000, `the ${type} event`);
        if (!event) throw new Error(`the stream ended before ${type}: ${seen.map((e) => e.data.type)}`);
        seen.push(event);
        if (event.data.type === type) return;
      }
    };
    await readUntil('run_paused');
    const approval = await pendingApproval(t, first.runId);
    expect(approval).toMatchObject({ tool: 'firewall__block_ip', approvers: ['group:security-ops'] });
    // The approval was announced to the chat webhook, signed.
    const announced = await waitUntil(
      async () => receiver.deliveries.filter((delivery) => delivery.rawBody.includes(approval.id)),
      (deliveries) => deliveries.length > 0,
      () => 'the approval webhook',
      15_000,
    );
    expect(verifyWebhookSignature(announced[0] as (typeof announced)[0], APPROVAL_SECRET)).toBe(true);

    const approved = await actl(['approvals', 'approve', approval.id, '--comment', 'confirmed with the NOC']);
    expect(approved.code, approved.stderr).toBe(0);
    await readUntil('run_completed');
    await events.close();
    const types = seen.map((event) => event.data.type);
    expect(types[0]).toBe('run_started');
    expect(seen.map((event) => event.id)).toEqual([...seen.map((event) => event.id)].sort((a, b) => a - b));
    const toolCalls = seen
      .filter((event) => event.data.type === 'tool_call')
      .map((event) => (event.data.data as { tool: string }).tool);
    expect(toolCalls[0]).toBe('knowledge_search');
    expect(toolCalls).toEqual(
      expect.arrayContaining(['threat-intel__ip_reputation', 'cmdb__asset_owner', 'firewall__block_ip']),
    );
    expect(types.indexOf('run_paused')).toBeLessThan(types.indexOf('run_resumed'));
    expect(types.lastIndexOf('tool_result')).toBeGreaterThan(types.indexOf('run_resumed'));

    // The run: the model's analysis with its citation, the evidence, the block proposed.
    const run = await waitForStatus(t, first.runId, 'completed');
    const output = run.output as Record<string, unknown> & { analysis: { citations: string[] } };
    expect(output).toMatchObject({ alert_id: ALERT.alert_id, source: '203.0.113.9', block_proposed: true });
    expect(output.analysis.citations[0]).toMatch(/^\[chunk:[0-9a-f-]{36}\]$/);
    expect(model.requests.length).toBe(1);

    // The firewall ran exactly once, for the alert's source, though the alert came twice.
    expect(firewallRules().filter((rule) => rule.ip === '203.0.113.9')).toHaveLength(1);

    // Lineage: the SOP passages retrieved, the one the analysis cites among them.
    const lineage = (await sendTo<RunLineage>(t, 'GET', `/api/v1/runs/${first.runId}/lineage`)).body;
    expect(lineage.chunks.map((chunk) => chunk.documentId)).toContain(
      'examples/secops/knowledge/sop-abnormal-login.md',
    );
    expect(lineage.citations.length).toBeGreaterThan(0);

    // The audit chain verifies and holds every step, without the phone number.
    const verified = await actl(['audit', 'verify']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const exported = await actl(['audit', 'export', '--run', first.runId]);
    expect(exported.code, exported.stderr).toBe(0);
    const records = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; tool: string | null; decision: string | null });
    const tools = records.filter((record) => record.action === 'tool_call').map((record) => record.tool);
    expect(tools).toEqual(
      expect.arrayContaining([
        'knowledge_search',
        'threat-intel__ip_reputation',
        'cmdb__asset_owner',
        'firewall__block_ip',
      ]),
    );
    const actions = new Set(records.map((record) => record.action));
    for (const action of ['llm_invoke', 'approval_request', 'approval_grant'])
      expect(actions).toContain(action);
    // The PDP's decision on each call is on its record: the block went through its approval gate.
    const block = records.find(
      (record) => record.action === 'tool_call' && record.tool === 'firewall__block_ip',
    );
    expect(block?.decision).toBe('allow');
    expect(exported.stdout).not.toContain(PHONE);
    expect(exported.stdout).toContain('*******');

    // The trace tree: the run, its policy decisions, the model and tool calls.
    const trace = await waitUntil(
      async () => (await actl(['runs', 'trace', first.runId])).stdout,
      (text) => text.includes('Tool.Execute') && text.includes('LLM.Invoke'),
      () => 'the run trace',
      30_000,
    );
    for (const span of ['Run', 'PDP.Evaluate', 'LLM.Invoke', 'Tool.Execute']) expect(trace).toContain(span);

    // Feedback: a correction, exported as the chosen answer against the run's, masked.
    const feedback = await actl(['runs', 'feedback', first.runId, '--down', '--correction', CORRECTION]);
    expect(feedback.code, feedback.stderr).toBe(0);
    const dataset = await actl(['datasets', 'export', '--format', 'dpo-jsonl', '--agent', 'triage-workflow']);
    expect(dataset.code, dataset.stderr).toBe(0);
    const pairs = dataset.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { run_id: string; chosen: unknown; rejected: unknown });
    const pair = pairs.find((candidate) => candidate.run_id === first.runId);
    expect(JSON.stringify(pair?.chosen)).toContain("reset alice.chen's VPN credentials");
    expect(JSON.stringify(pair?.rejected)).toContain('block_proposed');
    expect(dataset.stdout).not.toContain(PHONE);
  }, 240_000);

  it('runs the react variant on the configured model: it picks its tools, cites the SOP', async () => {
    const input = `Alert SIEM-2026-12-0050: failed logins against hr-portal from 198.51.100.23`;
    const ran = await actl(['run', 'triage-react', '--input', input, '--follow']);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    const runs = await sendTo<Page<{ id: string; status: string; output: unknown }>>(
      (up as { t: TestPlatform }).t,
      'GET',
      '/api/v1/runs?agent=triage-react',
    );
    const run = runs.body.items[0];
    expect(run?.status).toBe('completed');
    expect(String(run?.output)).toMatch(/watch for 24 hours, no block \[chunk:[0-9a-f-]{36}\]/);
    const lineage = (
      await sendTo<RunLineage>((up as { t: TestPlatform }).t, 'GET', `/api/v1/runs/${run?.id}/lineage`)
    ).body;
    expect(lineage.citations).toHaveLength(1);
  }, 120_000);

  it('keeps a run waiting for approval across a kill of the platform, and blocks once after', async () => {
    const second = { ...ALERT, alert_id: 'SIEM-2026-12-0043', src_ip: '1.2.3.4' };
    const { runId } = await fireAlert(second);
    await pendingApproval((up as { t: TestPlatform }).t, runId);

    // The whole platform dies without a chance to clean up (its tool servers follow it).
    up?.process.child.kill('SIGKILL');
    await within((up as { process: ActlProcess }).process.exited, 20_000, 'actl up after SIGKILL');
    up = await startUp();
    const t = up.t;

    const approval = await pendingApproval(t, runId);
    const approved = await actl(['approvals', 'approve', approval.id]);
    expect(approved.code, approved.stderr).toBe(0);
    const run = await waitForStatus(t, runId, 'completed', { timeoutMs: 60_000 });
    expect(run.output).toMatchObject({ alert_id: 'SIEM-2026-12-0043', block_proposed: true });
    const rules = firewallRules();
    expect(rules.filter((rule) => rule.ip === '1.2.3.4')).toHaveLength(1);
    expect(rules.filter((rule) => rule.ip === '203.0.113.9')).toHaveLength(1);
    // Sending the first alert again after the restart still starts nothing.
    expect((await fireAlert(ALERT)).duplicate).toBe(true);
    const verified = await actl(['audit', 'verify']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  }, 240_000);
});
