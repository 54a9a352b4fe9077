import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ActlResult, runActl } from '../support/cli.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

/**
 * `actl apply` of Triggers, `actl get triggers` and `actl hooks send`: a sample alert fired at a
 * signed webhook (once, then again as a duplicate), and a token hook.
 */
let t: TestPlatform;
let scratch: string;
const SECRET = 'cli-hook-secret';

const actl = (args: string[], env: Record<string, string> = {}) =>
  runActl(args, { env: { AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: t.adminKey, ...env } });

function expectExit(result: ActlResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

const HookJson = z.object({ trigger: z.string(), run_id: z.string(), duplicate: z.boolean() });

const MANIFESTS = `
apiVersion: agenticai.dev/v1alpha1
kind: Agent
metadata: {name: triage}
spec:
  model: {backend: none, name: m}
  runtime: workflow
  tools: [echo]
  workflow:
    nodes:
      - {id: say, type: tool, tool: echo, args: {text: '\${input.text}'}}
    output: '\${nodes.say.output.text}'
---
apiVersion: agenticai.dev/v1alpha1
kind: Trigger
metadata: {name: siem-alerts}
spec:
  type: webhook
  agent: triage
  auth: {type: hmac, secretRef: {name: siem-hook}}
  input: {text: 'alert \${payload.alert_id} on \${payload.host}'}
  idempotency: {from: '\${payload.alert_id}'}
---
apiVersion: agenticai.dev/v1alpha1
kind: Trigger
metadata: {name: tickets}
spec:
  type: webhook
  agent: triage
  auth: {type: token, secretRef: {name: ticket-token}}
---
apiVersion: agenticai.dev/v1alpha1
kind: Trigger
metadata: {name: nightly}
spec:
  type: schedule
  agent: triage
  schedule: {cron: '0 2 * * *', timezone: Europe/Berlin}
  input: {text: nightly sweep}
`;

beforeAll(async () => {
  t = await startTestPlatform();
  scratch = mkdtempSync(join(tmpdir(), 'triggers-cli-'));
  expectExit(await actl(['secrets', 'set', 'siem-hook', '--from-literal', `value=${SECRET}`]), 0);
  expectExit(await actl(['secrets', 'set', 'ticket-token', '--from-literal', 'value=tok-123']), 0);
}, 60_000);

afterAll(async () => {
  await t?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('actl and triggers', { timeout: 120_000 }, () => {
  it('applies triggers and lists them with their hook path or next fire', async () => {
    writeFileSync(join(scratch, 'triggers.yaml'), MANIFESTS);
    const applied = await actl(['apply', '-f', join(scratch, 'triggers.yaml')]);
    expectExit(applied, 0);
    expect(applied.stdout).toContain('trigger/siem-alerts created');

    const listed = await actl(['get', 'triggers']);
    expectExit(listed, 0);
    expect(listed.stdout).toMatch(
      /siem-alerts\s+webhook\s+triage\s+\/api\/v1\/hooks\/siem-alerts\s+-\s+never/,
    );
    expect(listed.stdout).toMatch(
      /nightly\s+schedule\s+triage\s+0 2 \* \* \* \(Europe\/Berlin\)\s+\d{4}-\d\d-\d\dT/,
    );

    const one = await actl(['get', 'trigger', 'nightly', '-o', 'json']);
    expectExit(one, 0);
    expect(JSON.parse(one.stdout).status.nextFireAt).toMatch(/T0[01]:00:00\.000Z$/);
  });

  it('sends a signed sample alert once, and reports the second send as a duplicate', async () => {
    writeFileSync(join(scratch, 'alert.json'), '{"alert_id": "SIEM-7", "host": "web-1"}\n');
    const env = { HOOK_SECRET: SECRET };
    const args = ['hooks', 'send', 'siem-alerts', '--data', `@${join(scratch, 'alert.json')}`];
    const first = await actl([...args, '--secret-env', 'HOOK_SECRET'], env);
    expectExit(first, 0);
    expect(first.stdout).toMatch(/^run \S+ started by trigger siem-alerts/);
    const again = await actl([...args, '--secret-env', 'HOOK_SECRET', '-o', 'json'], env);
    expectExit(again, 0);
    const duplicate = HookJson.parse(JSON.parse(again.stdout));
    expect(duplicate.duplicate).toBe(true);
    expect(first.stdout).toContain(duplicate.run_id);

    const listed = await actl(['get', 'triggers', 'siem-alerts']);
    expect(listed.stdout).toContain(duplicate.run_id);
  });

  it('applies the example triggers and fires the sample alert at them', async () => {
    expectExit(await actl(['apply', '-f', 'examples/agents/']), 0);
    expectExit(await actl(['secrets', 'set', 'siem-hook', '--from-literal', 'value=change-me']), 0);
    expectExit(await actl(['apply', '-f', 'examples/triggers/triggers.yaml']), 0);
    const sent = await actl([
      'hooks',
      'send',
      'siem-alerts',
      '--data',
      '@examples/triggers/sample-alert.json',
      '--secret',
      'change-me',
      '-o',
      'json',
    ]);
    expectExit(sent, 0);
    const { run_id } = HookJson.parse(JSON.parse(sent.stdout));
    const run = await actl(['runs', 'get', run_id, '-o', 'json']);
    expect(JSON.parse(run.stdout).input).toContain('Triage SIEM alert SIEM-2026-0001 (vpn-brute-force');
    // Restore the secret the other tests sign with.
    expectExit(await actl(['secrets', 'set', 'siem-hook', '--from-literal', `value=${SECRET}`]), 0);
  });

  it('exits 4 without the secret or with a wrong one, and sends token hooks with --header', async () => {
    const data = ['--data', '{"alert_id": "SIEM-8", "host": "db-1"}'];
    const unsigned = await actl(['hooks', 'send', 'siem-alerts', ...data]);
    expectExit(unsigned, 4);
    expect(unsigned.stderr).toContain('X-Signature-256');
    expectExit(await actl(['hooks', 'send', 'siem-alerts', ...data, '--secret', 'wrong']), 4);

    const token = await actl([
      'hooks',
      'send',
      'tickets',
      '-d',
      '{"summary": "disk full"}',
      '-H',
      'Authorization: Bearer tok-123',
    ]);
    expectExit(token, 0);
    expect(token.stdout).toMatch(/started by trigger tickets/);
    expectExit(await actl(['hooks', 'send', 'no-such-hook', '-d', '{}']), 3);
  });
});
