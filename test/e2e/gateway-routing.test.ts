import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAs, isolatedTenant } from '../support/governance.ts';
import { sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { closedPort } from '../support/runs.ts';
import { type ScriptedModelServer, startScriptedModelServer } from '../support/scripted-model-server.ts';

/**
 * Routing through model aliases, with two scripted backends (test doubles of OpenAI-compatible
 * servers on real sockets): each strategy, header pinning, failover, retries, the circuit breaker
 * and fallback chains. Every answer says which backend served it (`x-model-id`).
 */
let t: TestPlatform;
let a: ScriptedModelServer;
let b: ScriptedModelServer;
/** Answers every request with 500. */
let c: ScriptedModelServer;
let key: string;
let downUrl: string;

const manifest = (kind: string, name: string, spec: object) => ({
  apiVersion: 'agenticai.dev/v1alpha1',
  kind,
  metadata: { name },
  spec,
});
const backend = (name: string, endpoint: string, extra: object = {}) =>
  manifest('ModelBackend', name, { type: 'openai-compatible', endpoint, models: ['m'], ...extra });
const alias = (name: string, spec: object) => manifest('ModelAlias', name, spec);

async function chat(model: string, headers: Record<string, string> = {}) {
  const reply = await fetch(`${t.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
  const body = (await reply.json()) as { model?: string; error?: { code: string; message: string } };
  return { status: reply.status, servedBy: reply.headers.get('x-model-id'), body, headers: reply.headers };
}

beforeAll(async () => {
  [a, b, c] = await Promise.all([
    startScriptedModelServer(),
    startScriptedModelServer(),
    startScriptedModelServer(),
  ]);
  c.setHandler(() => ({ status: 500 }));
  t = await startTestPlatform();
  ({ admin: key } = await isolatedTenant(t));
  downUrl = `http://127.0.0.1:${await closedPort()}/v1`;
  await applyAs(t, key, [
    backend('a', a.url, { cost_per_1k: { input: 0.01, output: 0.02 }, capabilities: ['general_chat'] }),
    backend('b', b.url, { cost_per_1k: 0.001, capabilities: ['general_chat', 'security_analysis'] }),
    backend('down', downUrl, { cost_per_1k: 0 }),
    backend('flaky', c.url),
    backend('hanging', a.url, { models: ['h'], timeout: '300ms' }),
    backend('gone-a', downUrl),
    backend('gone-b', downUrl),
    backend('single', b.url, { models: ['s'], maxConcurrency: 1, maxQueue: 0 }),
    alias('canary', {
      routing_strategy: 'weighted',
      targets: [
        { backend: 'a', weight: 80 },
        { backend: 'b', weight: 20 },
      ],
    }),
    alias('cheapest', { routing_strategy: 'cost_optimized', targets: [{ backend: 'a' }, { backend: 'b' }] }),
    alias('analyst', { routing_strategy: 'priority', capabilities: ['security_analysis'] }),
    alias('ordered', {
      routing_strategy: 'priority',
      targets: [{ backend: 'flaky' }, { backend: 'b' }],
      circuit_breaker: { failure_threshold: 3, cooldown: '1s' },
    }),
    alias('fastest', {
      routing_strategy: 'latency_optimized',
      targets: [{ backend: 'a' }, { backend: 'b' }],
    }),
    alias('only-down', { targets: [{ backend: 'down' }], fallbacks: ['cheapest'] }),
    alias('patient', { targets: [{ backend: 'hanging' }, { backend: 'b' }] }),
    alias('doomed', { targets: [{ backend: 'gone-a' }, { backend: 'gone-b' }] }),
  ]);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await Promise.all([a?.close(), b?.close(), c?.close()]);
});

describe('model aliases', { timeout: 30_000 }, () => {
  it('applies examples/gateway/gateway.yaml as written', async () => {
    const { admin } = await isolatedTenant(t);
    const reply = await fetch(`${t.url}/api/v1/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/yaml' },
      body: readFileSync(new URL('../../examples/gateway/gateway.yaml', import.meta.url), 'utf8'),
    });
    const body = (await reply.json()) as { items: { kind: string; action: string }[] };
    expect(reply.status, JSON.stringify(body)).toBe(200);
    expect(body.items.map((item) => `${item.kind}:${item.action}`)).toEqual([
      'ModelBackend:created',
      'ModelBackend:created',
      'ModelAlias:created',
      'Policy:created',
    ]);
  });

  it('lists aliases beside backend models', async () => {
    const reply = await sendTo<{ data: { id: string; owned_by: string }[] }>(t, 'GET', '/v1/models', {
      apiKey: key,
    });
    const ids = reply.body.data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['canary', 'cheapest', 'a/m', 'b/m']));
    expect(reply.body.data.find((model) => model.id === 'canary')?.owned_by).toBe('alias');
  });

  it('splits a weighted canary about 80 / 20 and answers with the alias as model', async () => {
    const served = { 'a/m': 0, 'b/m': 0 } as Record<string, number>;
    for (let i = 0; i < 200; i += 1) {
      const reply = await chat('canary');
      expect(reply.status).toBe(200);
      expect(reply.body.model).toBe('canary');
      served[reply.servedBy ?? ''] = (served[reply.servedBy ?? ''] ?? 0) + 1;
    }
    expect(served['a/m']).toBeGreaterThan(130);
    expect(served['b/m']).toBeGreaterThan(15);
    expect((served['a/m'] ?? 0) + (served['b/m'] ?? 0)).toBe(200);
  });

  it('sends cost_optimized traffic to the cheapest backend and matches capabilities', async () => {
    expect((await chat('cheapest')).servedBy).toBe('b/m');
    expect((await chat('analyst')).servedBy).toBe('b/m');
  });

  it('pins a target with x-model-id and refuses a pin outside the alias', async () => {
    for (let i = 0; i < 5; i += 1)
      expect((await chat('canary', { 'x-model-id': 'b/m' })).servedBy).toBe('b/m');
    const wrong = await chat('canary', { 'x-model-id': 'down/m' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error?.code).toBe('invalid_model_pin');
  });

  it('prefers the backend with the lower live latency', async () => {
    // biome-ignore lint/suspicious/noThenProperty: the double's delayed reply is named `then`
    a.setHandler(() => ({ delayMs: 40, then: { content: 'slow' } }));
    try {
      for (let i = 0; i < 6; i += 1) await chat('fastest', { 'x-model-id': 'a/m' });
      for (let i = 0; i < 6; i += 1) await chat('fastest', { 'x-model-id': 'b/m' });
      const served = await Promise.all(Array.from({ length: 5 }, () => chat('fastest')));
      expect(served.filter((reply) => reply.servedBy === 'b/m').length).toBeGreaterThanOrEqual(4);
    } finally {
      a.setHandler(undefined);
    }
  });

  it('fails over past a failing backend, opens its circuit, and probes it after the cooldown', async () => {
    for (let i = 0; i < 3; i += 1)
      expect(await chat('ordered')).toMatchObject({ status: 200, servedBy: 'b/m' });
    expect(c.requests.length).toBe(3);
    for (let i = 0; i < 5; i += 1) expect((await chat('ordered')).servedBy).toBe('b/m');
    expect(c.requests.length).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await chat('ordered')).servedBy).toBe('b/m');
    expect(c.requests.length).toBe(4);
    expect((await chat('ordered')).servedBy).toBe('b/m');
    expect(c.requests.length).toBe(4);
  });

  it('retries a 429 on the same backend, honouring Retry-After', async () => {
    b.enqueue({ status: 429, retryAfter: 0 }, { content: 'after the wait' });
    const reply = await chat('b/m');
    expect(reply.status).toBe(200);
    expect(b.requests.at(-1)?.body).toMatchObject({ model: 'm' });
  });

  it('passes the last failure on when every attempt fails', async () => {
    b.enqueue({ status: 503 }, { status: 503 });
    const reply = await chat('b/m');
    expect(reply.status).toBe(502);
    expect(reply.body.error?.code).toBe('upstream_error');
  });

  it('fails over past a backend that hangs, once its timeout passes', async () => {
    a.enqueue({ hang: true });
    const reply = await chat('patient');
    expect(reply).toMatchObject({ status: 200, servedBy: 'b/m' });
  });

  it('answers 503 with Retry-After when a backend is at its concurrency limit with a full queue', async () => {
    // biome-ignore lint/suspicious/noThenProperty: the double's delayed reply is named `then`
    b.enqueue({ delayMs: 1_500, then: { content: 'slow' } });
    const slow = chat('single/s');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const busy = await chat('single/s');
    expect(busy.status).toBe(503);
    expect(busy.body.error?.code).toBe('backend_busy');
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await slow).status).toBe(200);
  });

  it('names every target that failed when none answered', async () => {
    const reply = await chat('doomed');
    expect(reply.status).toBe(502);
    expect(reply.body.error?.code).toBe('upstream_unreachable');
    expect(reply.body.error?.message).toContain('gone-a/m');
    expect(reply.body.error?.message).toContain('gone-b/m');
  });

  it('walks the fallback chain when every target of the alias fails', async () => {
    const reply = await chat('only-down');
    expect(reply).toMatchObject({ status: 200, servedBy: 'b/m' });
    expect(reply.body.model).toBe('only-down');
  });
});
