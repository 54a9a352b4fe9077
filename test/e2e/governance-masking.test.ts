import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActlPlatform, startActlPlatform } from '../support/actl-platform.ts';
import { applyAs, echoFlow, isolatedTenant, policyManifest } from '../support/governance.ts';
import type { TestPlatform } from '../support/platform.ts';
import { closedPort, startRun, waitForStatus, waitUntil, workflowAgent } from '../support/runs.ts';

/**
 * PII masking from a real `actl up` process: what reaches the audit log (query and export) and
 * every log line the process writes carries the masked forms, never the raw values. The run's own
 * output keeps the raw data (runs need it) and is not looked at here.
 */
const EMAIL = 'alice.smith@example.com';
const MOBILE = '13812345678';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const RAW = [EMAIL, MOBILE, AWS_KEY];
const TEXT = `contact ${EMAIL} or ${MOBILE}, key ${AWS_KEY}`;
/** TEXT as the built-in detectors mask it: letters and digits become "*", separators stay. */
const MASKED_TEXT = 'contact *****.*****@*******.*** or ***********, key ********************';
const MASKED_EMAIL = '*****.*****@*******.***';

let server: ActlPlatform;
let t: TestPlatform;

beforeAll(async () => {
  server = await startActlPlatform({
    command: 'up',
    prefix: 'masking',
    env: { AGENTICAI_LOG_LEVEL: 'debug', AGENTICAI_WORKER_POLL_MS: '200' },
  });
  t = server.t;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

async function text(key: string, path: string): Promise<{ status: number; text: string; type: string }> {
  const response = await t.request('GET', path, { apiKey: key });
  return {
    status: response.status,
    text: await response.text(),
    type: response.headers.get('content-type') ?? '',
  };
}

function expectNoRawValues(where: string, content: string, raw: readonly string[] = RAW) {
  for (const value of raw) expect(content.includes(value), `${where} contains ${value}`).toBe(false);
}

describe('PII masking in audit and logs (actl up as a child process)', { timeout: 90_000 }, () => {
  it('keeps raw e-mail, mobile number and AWS key out of the audit query and export', async () => {
    const { admin } = await isolatedTenant(t);
    await applyAs(t, admin, [echoFlow('echo-pii')]);
    const run = await startRun(t, 'echo-pii', { input: TEXT }, { apiKey: admin });
    await waitForStatus(t, run.id, 'completed', { apiKey: admin });

    const query = await text(admin, `/api/v1/audit?run=${run.id}&limit=100`);
    expect(query.status, query.text).toBe(200);
    const records = JSON.parse(query.text).items as Array<{ action: string; input: unknown }>;
    expect(records.map((r) => r.action)).toContain('tool_call');
    expectNoRawValues('GET /api/v1/audit', query.text);
    expect(query.text).toContain(MASKED_TEXT);

    const exported = await text(admin, '/api/v1/audit/export');
    expect(exported.status, exported.text).toBe(200);
    expect(exported.type).toMatch(/^application\/x-ndjson/);
    const lines = exported.text.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThanOrEqual(records.length);
    expect(lines.some((line) => line.includes(run.id))).toBe(true);
    expectNoRawValues('GET /api/v1/audit/export', exported.text);
    expect(exported.text).toContain(MASKED_TEXT);
  });

  it('keeps them out of every log line, an error that quotes them included', async () => {
    const { admin } = await isolatedTenant(t);
    const port = await closedPort();
    // The URL (path and query) carries the values; the failing call's error quotes the path.
    const url = `http://127.0.0.1:${port}/notify/${EMAIL}/${MOBILE}/${AWS_KEY}?to=${EMAIL}`;
    await applyAs(t, admin, [
      workflowAgent(
        'leaky-fetch',
        {
          nodes: [
            { id: 'say', type: 'tool', tool: 'echo', args: { text: '${input}' }, next: 'call' },
            { id: 'call', type: 'tool', tool: 'http_request', args: { url, method: 'POST' } },
          ],
        },
        {
          tools: ['echo', { name: 'http_request', config: { retries: 0, timeoutMs: 5_000, internal: true } }],
        },
      ),
    ]);
    const run = await startRun(t, 'leaky-fetch', { input: TEXT }, { apiKey: admin });
    const failed = await waitForStatus(t, run.id, 'failed', { apiKey: admin });
    // The run itself keeps the real value (not asserted on beyond showing the path was taken).
    expect(failed.error?.message).toContain('ECONNREFUSED');

    // A request whose path carries an e-mail address is logged too (a 400: not an agent name).
    const missing = await t.request('GET', `/api/v1/agents/${EMAIL}`, { apiKey: admin });
    await missing.body?.cancel();

    // The worker logs the failed run at error level, the API each request: wait for both lines.
    const failedLine = (line: string) => line.includes(run.id) && line.includes('"msg":"run failed"');
    const requestLine = (line: string) =>
      line.includes('"msg":"request"') && line.includes(`"path":"/api/v1/agents/${MASKED_EMAIL}"`);
    await waitUntil(
      async () => server.output().split('\n'),
      (lines) => lines.some(failedLine) && lines.some(requestLine),
      (lines) =>
        `no masked "run failed" and "request" lines for ${run.id} in:\n${lines.slice(-20).join('\n')}`,
      20_000,
    );
    const output = server.output();
    const failure = output.split('\n').find(failedLine);
    // The error line quotes the failed call, masked.
    expect(failure).toContain(`/notify/${MASKED_EMAIL}/***********/********************`);
    expectNoRawValues('the process output', output);

    const audit = await text(admin, `/api/v1/audit?run=${run.id}&limit=100`);
    expect(audit.status, audit.text).toBe(200);
    expect(audit.text).toContain('http_request');
    expectNoRawValues('GET /api/v1/audit (failed call)', audit.text);
  });

  it("applies a tenant's own pii_masking rule (redact) to its audit records, and only its own", async () => {
    const ticket = 'ticket-123456';
    const { admin } = await isolatedTenant(t);
    await applyAs(t, admin, [
      policyManifest('privacy', {
        pii_masking: { enabled: true, rules: [{ name: 'ticket', regex: 'ticket-\\d{6}', action: 'redact' }] },
      }),
      echoFlow('wf'),
    ]);
    const run = await startRun(t, 'wf', { input: `see ${ticket} from ${EMAIL}` }, { apiKey: admin });
    await waitForStatus(t, run.id, 'completed', { apiKey: admin });
    const audit = await text(admin, `/api/v1/audit?run=${run.id}&limit=100`);
    expect(audit.status, audit.text).toBe(200);
    expect(audit.text).toContain(`see [REDACTED:ticket] from ${MASKED_EMAIL}`);
    expectNoRawValues('GET /api/v1/audit (custom rule)', audit.text, [ticket, EMAIL]);

    // A tenant without the rule keeps the ticket number (it is not PII by default).
    const { admin: other } = await isolatedTenant(t);
    await applyAs(t, other, [echoFlow('wf')]);
    const plain = await startRun(t, 'wf', { input: `see ${ticket} from ${EMAIL}` }, { apiKey: other });
    await waitForStatus(t, plain.id, 'completed', { apiKey: other });
    const otherAudit = await text(other, `/api/v1/audit?run=${plain.id}&limit=100`);
    expect(otherAudit.text).toContain(`see ${ticket} from ${MASKED_EMAIL}`);
    expect(otherAudit.text).not.toContain('[REDACTED:ticket]');

    expectNoRawValues('the process output', server.output());
  });

  it('wrote none of the raw values in all its output, up to its exit', async () => {
    // Stopping flushes everything the process wrote; the tests above all ran through it.
    await server.stop();
    const output = server.output();
    expect(output).toContain('"msg":"run failed"');
    expectNoRawValues('the process output up to exit', output);
  });
});

describe('PII masking of request-scoped log fields (actl serve as a child process)', {
  timeout: 60_000,
}, () => {
  let api: ActlPlatform;

  beforeAll(async () => {
    api = await startActlPlatform({
      command: 'serve',
      prefix: 'maskreqid',
      env: { AGENTICAI_LOG_LEVEL: 'info' },
    });
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
  });

  // The request id a client sends (X-Request-Id) is bound to the request's child logger: it must be
  // masked too, since a mobile number or an AWS access key id fits its pattern.
  it('masks a PII-shaped X-Request-Id in the request log line', async () => {
    for (const value of [MOBILE, AWS_KEY]) {
      const response = await api.t.request('GET', '/api/v1/agents', { headers: { 'x-request-id': value } });
      await response.body?.cancel();
      expect(response.headers.get('x-request-id')).toBe(value);
    }
    await api.stop();
    const lines = api.output().split('\n');
    // Both requests were logged (at info, masked or not).
    expect(
      lines.filter((line) => line.includes('"msg":"request"') && line.includes('"path":"/api/v1/agents"')),
    ).toHaveLength(2);
    expectNoRawValues('the request log lines', api.output(), [MOBILE, AWS_KEY]);
  });
});
