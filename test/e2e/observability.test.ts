import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunTrace, ToolInvokeResult, ToolServer } from '../../src/contracts/index.ts';
import { defineTool, serveTools } from '../../src/sdk/index.ts';
import { createLogger } from '../../src/wiring/index.ts';
import { runActl } from '../support/cli.ts';
import { applyAs, approvalsOf, isolatedTenant, member, policyManifest } from '../support/governance.ts';
import { sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { approvalAgent, reactAgent, startRun, waitForStatus, waitUntil } from '../support/runs.ts';
import { type ScriptedModelServer, startScriptedModelServer } from '../support/scripted-model-server.ts';

/**
 * Traces, metrics and logs through the real server: a run with a model call, a gated tool call
 * and a sandbox exec must leave the whole span tree in an in-memory exporter and in the built-in
 * trace store, a client's traceparent must reach the tool server the run called, /metrics must
 * count exactly what happened, and a secret and a phone number must appear nowhere.
 */
const HAS_DRIVER = existsSync('/usr/bin/bwrap') || (existsSync('/usr/bin/runsc') && process.getuid?.() === 0);
const PHONE = '+1 415-555-0132';
const SECRET = `sk_live_${randomBytes(12).toString('hex')}`;

const exporter = new InMemorySpanExporter();
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

let t: TestPlatform;
let model: ScriptedModelServer;
let toolServer: http.Server;
let toolUrl: string;
const toolCalls: Array<{ traceparent: string | undefined; body: string }> = [];

beforeAll(async () => {
  t = await startTestPlatform(
    {
      sandboxDriver: HAS_DRIVER ? 'auto' : 'none',
      sandboxPoolSize: 0,
      workerPollMs: 200,
      traceContent: true,
      logLevel: 'debug',
    },
    { spanExporters: [exporter], logger: createLogger('debug', 'false', logSink) },
  );
  model = await startScriptedModelServer();
  // TEST DOUBLE of a team's HTTP service called as a tool: records the traceparent it was sent,
  // and answers with the secret it was given, as a careless service would.
  toolServer = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const traceparent = request.headers.traceparent;
      toolCalls.push({ traceparent: typeof traceparent === 'string' ? traceparent : undefined, body });
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ status: 'isolated', echoed: request.headers.authorization ?? null }));
    });
  });
  await new Promise<void>((resolve) => toolServer.listen(0, '127.0.0.1', resolve));
  toolUrl = `http://127.0.0.1:${(toolServer.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await t?.close();
  await model?.close();
  toolServer?.close();
});

/** A tenant with the scripted backend (priced), a secret, the `isolate-host` HTTP tool gated for approval. */
async function tenantWithGatedTool() {
  const { tenant, admin } = await isolatedTenant(t);
  const secret = await sendTo(t, 'PUT', '/api/v1/secrets/edr-token', {
    apiKey: admin,
    body: { data: { token: SECRET } },
  });
  expect(secret.status, JSON.stringify(secret.body)).toBeLessThan(300);
  await applyAs(t, admin, [
    {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'ModelBackend',
      metadata: { name: 'scripted' },
      spec: {
        type: 'openai-compatible',
        endpoint: model.url,
        models: ['m'],
        cost_per_1k: { input: 0.5, output: 1.5 },
      },
    },
    {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'Tool',
      metadata: { name: 'isolate-host' },
      spec: {
        type: 'http',
        description: 'Isolate a host',
        config: { endpoint: `${toolUrl}/isolate`, method: 'POST', internal: true },
        parameters: [{ name: 'host', type: 'string', required: true }],
        authentication: { type: 'bearer', secretRef: { name: 'edr-token', key: 'token' } },
      },
    },
    policyManifest('gates', {
      approval_gates: [{ name: 'isolation', tool_pattern: 'isolate-host', approvers: ['role:admin'] }],
    }),
    reactAgent('responder', 'scripted', { tools: ['isolate-host', 'code_interpreter'] }),
  ]);
  return { tenant, admin };
}

const spansOf = (traceId: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);

const named = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);

const parentOf = (spans: ReadableSpan[], span: ReadableSpan) =>
  spans.find((candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId);

describe('traces', () => {
  const clientTrace = randomBytes(16).toString('hex');
  const clientSpan = randomBytes(8).toString('hex');
  let runId = '';
  let traceId = '';
  let admin = '';

  beforeAll(async () => {
    ({ admin } = await tenantWithGatedTool());
    model.enqueue(
      {
        toolCalls: [{ name: 'isolate-host', arguments: { host: 'web-7' } }],
        usage: { prompt_tokens: 40, completion_tokens: 6 },
      },
      ...(HAS_DRIVER
        ? [
            {
              toolCalls: [
                { name: 'code_interpreter', arguments: { language: 'bash', code: 'echo "tp=$TRACEPARENT"' } },
              ],
              usage: { prompt_tokens: 50, completion_tokens: 8 },
            },
          ]
        : []),
      { content: 'web-7 is isolated.', usage: { prompt_tokens: 60, completion_tokens: 5 } },
    );
    const run = await startRun(
      t,
      'responder',
      { input: `Isolate web-7 and call me at ${PHONE}` },
      { apiKey: admin, headers: { traceparent: `00-${clientTrace}-${clientSpan}-01` } },
    );
    runId = run.id;
    traceId = run.trace_id;
    await waitForStatus(t, run.id, 'paused', { apiKey: admin });
    const [approval] = await approvalsOf(t, admin, run.id);
    const decided = await sendTo(t, 'POST', `/api/v1/approvals/${approval?.id}:approve`, {
      apiKey: admin,
      body: {},
    });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    await waitForStatus(t, run.id, 'completed', { apiKey: admin, timeoutMs: 60_000 });
    await t.platform.flushTelemetry();
  }, 120_000);

  it('joins the client’s trace: the run’s trace id is the traceparent’s, its root span under the client’s span', () => {
    expect(traceId).toBe(clientTrace);
    const runs = named(spansOf(traceId), 'Run');
    // One Run span per execution: paused for the approval, then resumed to the end.
    expect(runs.map((span) => span.attributes['run.status'])).toEqual(['paused', 'completed']);
    for (const span of runs) expect(span.parentSpanContext?.spanId).toBe(clientSpan);
  });

  it('produces the whole span tree with the seed’s names, parent links and attributes', () => {
    const spans = spansOf(traceId);
    const [root] = named(spans, 'Run');
    expect(root?.attributes).toMatchObject({
      'run.id': runId,
      'agent.id': 'responder',
      'gen_ai.operation.name': 'invoke_agent',
    });
    expect(typeof root?.attributes['tenant.id']).toBe('string');
    expect(typeof root?.attributes['user.id']).toBe('string');
    for (const plan of named(spans, 'Orchestrator.Plan')) expect(parentOf(spans, plan)?.name).toBe('Run');
    for (const step of named(spans, 'Agent.Step')) expect(parentOf(spans, step)?.name).toBe('Run');

    const pdp = named(spans, 'PDP.Evaluate');
    const toolDecisions = pdp.filter((span) => span.attributes['tool.name'] === 'isolate-host');
    expect(toolDecisions.map((span) => span.attributes['pdp.decision'])).toEqual([
      'require_approval',
      'require_approval',
    ]);
    for (const span of pdp) expect(parentOf(spans, span)?.name).toBe('Agent.Step');

    const llm = named(spans, 'LLM.Invoke');
    expect(llm).toHaveLength(HAS_DRIVER ? 3 : 2);
    for (const span of llm) {
      expect(parentOf(spans, span)?.name).toBe('Agent.Step');
      expect(span.attributes['gen_ai.operation.name']).toBe('chat');
      expect(span.attributes['gen_ai.usage.input_tokens']).toBe(span.attributes['llm.prompt_tokens']);
      expect(span.attributes['gen_ai.usage.output_tokens']).toBe(span.attributes['llm.completion_tokens']);
      expect(span.attributes['llm.model']).toBe('scripted');
    }
    expect(llm[0]?.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 40,
      'gen_ai.usage.output_tokens': 6,
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'agenticai.cost_usd': (40 * 0.5 + 6 * 1.5) / 1000,
    });

    const tools = named(spans, 'Tool.Execute');
    const isolate = tools.find((span) => span.attributes['tool.name'] === 'isolate-host');
    expect(isolate?.attributes).toMatchObject({
      'gen_ai.tool.name': 'isolate-host',
      'tool.input_size': JSON.stringify({ host: 'web-7' }).length,
      'tool.outcome': 'ok',
      'run.id': runId,
    });
    expect(parentOf(spans, isolate as ReadableSpan)?.name).toBe('Agent.Step');
    if (HAS_DRIVER) {
      const [exec] = named(spans, 'Sandbox.Exec');
      expect(parentOf(spans, exec as ReadableSpan)?.attributes['tool.name']).toBe('code_interpreter');
      expect(exec?.attributes['sandbox.outcome']).toBe('completed');
    }
  });

  it('passes the trace to the tool server, the model backend and the sandbox', async () => {
    const spans = spansOf(traceId);
    const isolate = named(spans, 'Tool.Execute').find(
      (span) => span.attributes['tool.name'] === 'isolate-host',
    );
    const sent = toolCalls.at(-1)?.traceparent;
    expect(sent).toBe(`00-${clientTrace}-${isolate?.spanContext().spanId}-01`);
    const modelCalls = model.requests.filter((request) => request.idempotencyKey?.startsWith(`${runId}:`));
    expect(modelCalls.length).toBeGreaterThan(0);
    for (const request of modelCalls) expect(String(request.headers.traceparent)).toContain(clientTrace);
    if (HAS_DRIVER) {
      const steps = await sendTo<{ items: Array<{ kind: string; name: string; output: unknown }> }>(
        t,
        'GET',
        `/api/v1/runs/${runId}/steps`,
        { apiKey: admin },
      );
      const code = steps.body.items.find((step) => step.name === 'code_interpreter');
      expect(JSON.stringify(code?.output)).toContain(`tp=00-${clientTrace}-`);
    }
  });

  it('serves the same tree from the built-in store: GET /runs/{id}/trace', async () => {
    const reply = await sendTo<RunTrace>(t, 'GET', `/api/v1/runs/${runId}/trace`, { apiKey: admin });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const stored = reply.body;
    expect(stored.trace_id).toBe(traceId);
    const inMemory = spansOf(traceId).filter((span) => span.attributes['run.id'] === runId);
    expect(new Set(stored.spans.map((span) => span.span_id))).toEqual(
      new Set(inMemory.map((span) => span.spanContext().spanId)),
    );
    // Parents come before their children.
    const seen = new Set<string>();
    for (const span of stored.spans) {
      if (span.parent_span_id && stored.spans.some((s) => s.span_id === span.parent_span_id))
        expect(seen.has(span.parent_span_id)).toBe(true);
      seen.add(span.span_id);
    }
    expect(stored.totals.input_tokens).toBe(HAS_DRIVER ? 150 : 100);
    expect(stored.totals.output_tokens).toBe(HAS_DRIVER ? 19 : 11);
    expect(stored.totals.cost_usd).toBeCloseTo(
      HAS_DRIVER ? (150 * 0.5 + 19 * 1.5) / 1000 : (100 * 0.5 + 11 * 1.5) / 1000,
      8,
    );
    // Another tenant's admin sees no such run.
    const other = await isolatedTenant(t);
    const hidden = await sendTo(t, 'GET', `/api/v1/runs/${runId}/trace`, { apiKey: other.admin });
    expect(hidden.status).toBe(404);
  });

  it('prints the tree with actl runs trace, and the API answer with -o json', async () => {
    const env = { AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: admin };
    const tree = await runActl(['runs', 'trace', runId], { env });
    expect(tree.code, tree.stderr).toBe(0);
    const lines = tree.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Run {2}\S+ {2}responder {2}paused$/);
    expect(tree.stdout).toMatch(/├─ Orchestrator\.Plan {2}\S+/);
    expect(tree.stdout).toMatch(
      /│ {2}├─ PDP\.Evaluate {2}\S+ {2}require_approval {2}gates\/approval_gates\/isolation/,
    );
    expect(tree.stdout).toMatch(/└─ LLM\.Invoke {2}\S+ {2}scripted {2}40→6 tokens {2}\$0\.029/);
    expect(tree.stdout).toMatch(/Tool\.Execute {2}\S+ {2}isolate-host {2}ok/);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^\\d+ spans, .* output tokens, \\$[\\d.]+ \\(trace ${traceId}\\)$`),
    );
    const json = await runActl(['runs', 'trace', runId, '-o', 'json'], { env });
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as RunTrace).trace_id).toBe(traceId);
    const missing = await runActl(['runs', 'trace', 'no-such-run'], { env });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('not found');
  });

  it('never writes the secret or the phone number in spans, logs or metrics; the prompt is on spans only masked', async () => {
    const exported = JSON.stringify(
      spansOf(traceId).map((span) => ({ a: span.attributes, s: span.status, e: span.events })),
    );
    const prompts = named(spansOf(traceId), 'LLM.Invoke').map((span) =>
      String(span.attributes['gen_ai.input.messages']),
    );
    expect(prompts[0]).toContain('Isolate web-7');
    const stored = await sendTo<RunTrace>(t, 'GET', `/api/v1/runs/${runId}/trace`, { apiKey: admin });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    for (const text of [exported, JSON.stringify(stored.body), logLines.join(''), metrics]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('415-555-0132');
    }
    expect(logLines.join('')).toContain(traceId);
  });
});

describe('trace context to MCP tools', () => {
  it('sends an API caller’s trace to an MCP tool server in _meta.traceparent, under the Tool.Execute span', async () => {
    const served = await serveTools(
      [
        defineTool({
          name: 'trace_echo',
          description: 'Says which trace it was called in',
          input: z.object({}),
          annotations: { readOnly: true },
          run: (ctx) => `traceparent=${ctx.traceparent ?? 'none'}`,
        }),
      ],
      { name: 'tracer' },
    );
    try {
      const server = await sendTo<ToolServer>(t, 'POST', '/api/v1/tool-servers', {
        body: {
          apiVersion: 'agenticai.dev/v1alpha1',
          kind: 'ToolServer',
          metadata: { name: 'tracer' },
          spec: { transport: 'streamable-http', url: served.url, internal: true },
        },
      });
      expect(server.status, JSON.stringify(server.body)).toBe(201);
      const clientTrace = randomBytes(16).toString('hex');
      const reply = await sendTo<ToolInvokeResult>(t, 'POST', '/api/v1/tools/tracer__trace_echo:invoke', {
        body: { arguments: {} },
        headers: { traceparent: `00-${clientTrace}-${randomBytes(8).toString('hex')}-01` },
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      await t.platform.flushTelemetry();
      const [span] = named(spansOf(clientTrace), 'Tool.Execute');
      expect(span?.attributes['tool.type']).toBe('mcp');
      const text = reply.body.content.map((part) => String(part.text ?? '')).join('');
      expect(text).toBe(`traceparent=00-${clientTrace}-${span?.spanContext().spanId}-01`);
    } finally {
      await served.close();
    }
  });
});

describe('metrics', () => {
  it('rolls up API callers’ gateway calls and reports what is left of a tenant budget', async () => {
    const { admin, tenant } = await isolatedTenant(t);
    await applyAs(t, admin, [
      {
        apiVersion: 'agenticai.dev/v1alpha1',
        kind: 'ModelBackend',
        metadata: { name: 'priced' },
        spec: {
          type: 'openai-compatible',
          endpoint: model.url,
          models: ['m'],
          cost_per_1k: { input: 1, output: 3 },
        },
      },
      policyManifest('budgets', {
        budgets: [{ name: 'monthly', scope: 'tenant', window: 'month', unit: 'usd', limit: 5 }],
      }),
    ]);
    model.setHandler(() => ({ content: 'ok', usage: { prompt_tokens: 100, completion_tokens: 50 } }));
    for (let i = 0; i < 2; i += 1) {
      const reply = await fetch(`${t.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'priced/m',
          max_tokens: 100,
          messages: [{ role: 'user', content: `hello ${i}` }],
        }),
      });
      expect(reply.status).toBe(200);
    }
    model.setHandler(() => ({ content: 'ok' }));
    await t.platform.flushTelemetry();
    const cost = 2 * ((100 * 1 + 50 * 3) / 1000);
    type Report = {
      rows: Array<{ key: string; calls: number; cost_usd: number }>;
      budgets: Array<{ rule: string; spent_usd: number; remaining_usd: number; limit_usd: number }>;
    };
    // The budget is settled just after each answer (Redis in the team setup): wait for both.
    const report = await waitUntil(
      () => sendTo<Report>(t, 'GET', '/api/v1/usage?group_by=model', { apiKey: admin }),
      (reply) => Math.abs((reply.body.budgets[0]?.spent_usd ?? 0) - cost) < 1e-9,
      (reply) => JSON.stringify(reply.body),
      10_000,
    );
    expect(report.body.rows).toEqual([expect.objectContaining({ key: 'priced/m', calls: 2 })]);
    expect(report.body.rows[0]?.cost_usd).toBeCloseTo(cost, 8);
    expect(report.body.budgets).toEqual([
      expect.objectContaining({ rule: 'monthly', limit_usd: 5, spent_usd: cost, remaining_usd: 5 - cost }),
    ]);
    const byTenant = await sendTo<{ rows: Array<{ key: string }> }>(
      t,
      'GET',
      '/api/v1/usage?group_by=tenant',
      {
        apiKey: admin,
      },
    );
    expect(byTenant.body.rows.map((row) => row.key)).toEqual([tenant]);
    // A platform admin names the tenant; its admin may not name another.
    const named = await sendTo<{ rows: Array<{ key: string }> }>(t, 'GET', `/api/v1/usage?tenant=${tenant}`);
    expect(named.body.rows.map((row) => row.key)).toEqual(['priced/m']);
    const other = await isolatedTenant(t);
    const refused = await sendTo(t, 'GET', `/api/v1/usage?tenant=${tenant}`, { apiKey: other.admin });
    expect(refused.status).toBe(404);
    const badDay = await sendTo(t, 'GET', '/api/v1/usage?from=0000-01-01&to=0000-01-02', { apiKey: admin });
    expect(badDay.status).toBe(400);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(
        `^agent_budget_remaining\\{tenant_id="[^"]+",budget="monthly",unit="usd"\\} ${5 - cost}$`,
        'm',
      ),
    );
    expect(metrics).toMatch(
      /^agent_token_usage\{agent_id="none",model_name="priced\/m",direction="output"\} \d+$/m,
    );
  });

  it('counts runs, tokens, blocks and cost with the seed’s names and exact values', async () => {
    const { admin, tenant } = await isolatedTenant(t);
    const responder = await member(t, tenant, ['developer'], ['soc-tier1']);
    const agent = unique('counted');
    await applyAs(t, admin, [
      {
        apiVersion: 'agenticai.dev/v1alpha1',
        kind: 'ModelBackend',
        metadata: { name: 'scripted' },
        spec: { type: 'openai-compatible', endpoint: model.url, models: ['m'], cost_per_1k: 2 },
      },
      policyManifest('limits', {
        rbac: [
          { name: 'no-sleep', effect: 'deny', subjects: ['*'], tools: ['sleep'] },
          { name: 'rest', effect: 'allow', subjects: ['*'], tools: ['*'], models: ['*'] },
        ],
      }),
      reactAgent(agent, 'scripted', { tools: ['sleep'] }),
      approvalAgent(`${agent}-gated`),
    ]);
    // A paused run cancelled through the API ends without a worker: it is counted all the same.
    const paused = await startRun(t, `${agent}-gated`, { input: { text: 'x' } }, { apiKey: admin });
    await waitForStatus(t, paused.id, 'paused', { apiKey: admin });
    const cancelled = await sendTo(t, 'POST', `/api/v1/runs/${paused.id}:cancel`, {
      apiKey: admin,
      body: {},
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    model.setHandler((request) =>
      request.body.messages.some((m) => m.role === 'tool')
        ? { content: 'could not sleep', usage: { prompt_tokens: 30, completion_tokens: 4 } }
        : {
            toolCalls: [{ name: 'sleep', arguments: { seconds: 0 } }],
            usage: { prompt_tokens: 20, completion_tokens: 3 },
          },
    );
    for (let i = 0; i < 2; i += 1) {
      const run = await startRun(t, agent, { input: 'rest' }, { apiKey: responder.key });
      await waitForStatus(t, run.id, 'completed', { apiKey: responder.key });
    }
    model.setHandler(() => ({ status: 400, body: JSON.stringify({ error: { message: 'bad request' } }) }));
    const failing = await startRun(t, agent, { input: 'rest' }, { apiKey: responder.key });
    await waitForStatus(t, failing.id, 'failed', { apiKey: responder.key });
    model.setHandler(() => ({ content: 'ok' }));
    await t.platform.flushTelemetry();

    const text = await (await fetch(`${t.url}/metrics`)).text();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value(`agent_run_total{agent_id="${agent}",status="completed"}`)).toBe(2);
    expect(value(`agent_run_total{agent_id="${agent}",status="failed"}`)).toBe(1);
    expect(value(`agent_run_total{agent_id="${agent}-gated",status="cancelled"}`)).toBe(1);
    expect(value(`agent_request_total{agent_id="${agent}"}`)).toBe(3);
    expect(value(`agent_request_errors_total{agent_id="${agent}",reason="error"}`)).toBe(1);
    expect(value(`agent_request_duration_seconds_count{agent_id="${agent}"}`)).toBe(3);
    expect(value(`agent_token_usage{agent_id="${agent}",model_name="scripted",direction="input"}`)).toBe(100);
    expect(value(`agent_token_usage{agent_id="${agent}",model_name="scripted",direction="output"}`)).toBe(14);
    expect(value(`pdp_block_total{policy_rule="limits/rbac/no-sleep",user_group="soc-tier1"}`)).toBe(2);
    expect(value(`agent_tool_duration_seconds_count{tool_name="sleep",outcome="ok"}`)).toBeUndefined();
    expect(text).toMatch(/^agent_run_queue_depth \d+$/m);
    expect(text).toMatch(/^agent_approvals_pending \d+$/m);
    expect(text).toMatch(/^sandbox_pool_size\{state="warm"\} 0$/m);
    // No run or user ids as labels; API requests by route template, never the path.
    expect(text).not.toMatch(/run_id=|user_id=|principal=/);
    expect(text).not.toContain(failing.id);
    expect(
      value(
        `http_server_request_duration_seconds_count{method="GET",route="/api/v1/runs/:id",status_code="200"}`,
      ),
    ).toBeGreaterThan(0);

    const usage = await sendTo<{ rows: Array<{ key: string; calls: number; cost_usd: number }> }>(
      t,
      'GET',
      '/api/v1/usage?group_by=agent',
      { apiKey: admin },
    );
    expect(usage.status, JSON.stringify(usage.body)).toBe(200);
    const row = usage.body.rows.find((r) => r.key === agent);
    expect(row).toMatchObject({ calls: 5 });
    expect(row?.cost_usd).toBeCloseTo((114 * 2) / 1000, 8);

    const env = { AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: admin };
    const table = await runActl(['usage', '--by', 'agent'], { env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${agent}\\s+5\\s+1\\s+100\\s+14\\s+\\$0\\.228\\s+0`));
    // Today's spend, projected at today's rate for the days left (no history yet).
    expect(table.stdout).toMatch(/^Forecast \d{4}-\d{2}: \$\d+\.\d+ \(\$0\.228 so far/m);
    expect(table.stdout).toMatch(/TOTAL\s+5\s+1\s+100\s+14\s+\$0\.228/);
    const json = await runActl(['usage', '--by', 'day', '-o', 'json'], { env });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ group_by: 'day', totals: { calls: 5 } });
    const bad = await runActl(['usage', '--by', 'planet'], { env });
    expect(bad.code).toBe(2);
    const wrongDates = await sendTo(t, 'GET', '/api/v1/usage?from=2026-05-02&to=2026-05-01', {
      apiKey: admin,
    });
    expect(wrongDates.status).toBe(400);
    expect(JSON.stringify(wrongDates.body)).toContain('/from');
    const notAllowed = await sendTo(t, 'GET', '/api/v1/usage', { apiKey: responder.key });
    expect(notAllowed.status).toBe(403);
  }, 60_000);
});
