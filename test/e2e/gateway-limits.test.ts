import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAs, isolatedTenant, member, policyManifest } from '../support/governance.ts';
import { sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { waitUntil } from '../support/runs.ts';
import { type ScriptedModelServer, startScriptedModelServer } from '../support/scripted-model-server.ts';

/**
 * Budgets and rate limits from `kind: Policy` on the model gateway, through the real server (and,
 * in the integration run, Redis): 429s that name the rule and its reset time, reservations that
 * cannot be overspent by concurrent calls, settlement with the actual usage, and `degrade_to`.
 */
let t: TestPlatform;
let upstream: ScriptedModelServer;

const manifest = (kind: string, name: string, spec: object) => ({
  apiVersion: 'agenticai.dev/v1alpha1',
  kind,
  metadata: { name },
  spec,
});
const backends = (endpoint: string) => [
  manifest('ModelBackend', 'premium', {
    type: 'openai-compatible',
    endpoint,
    models: ['big'],
    cost_per_1k: { input: 10, output: 30 },
  }),
  manifest('ModelBackend', 'budget', {
    type: 'openai-compatible',
    endpoint,
    models: ['small'],
    cost_per_1k: 0.1,
  }),
];

async function chat(key: string, model: string, maxTokens = 10) {
  const reply = await fetch(`${t.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: maxTokens, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return {
    status: reply.status,
    servedBy: reply.headers.get('x-model-id'),
    retryAfter: reply.headers.get('retry-after'),
    contentType: reply.headers.get('content-type'),
    body: (await reply.json()) as Record<string, unknown> & { error?: { code: string; message: string } },
  };
}

beforeAll(async () => {
  upstream = await startScriptedModelServer();
  upstream.setHandler(() => ({ content: 'ok', usage: { prompt_tokens: 5, completion_tokens: 5 } }));
  t = await startTestPlatform();
}, 60_000);

afterAll(async () => {
  await t?.close();
  await upstream?.close();
});

describe('gateway rate limits', { timeout: 30_000 }, () => {
  it('refuses the request past requests_per_minute with 429, Retry-After and the rule named', async () => {
    const { tenant, admin } = await isolatedTenant(t);
    await applyAs(t, admin, [
      ...backends(upstream.url),
      policyManifest('limits', {
        rate_limits: [{ name: 'per-user', scope: 'principal', requests_per_minute: 3 }],
      }),
    ]);
    const alice = await member(t, tenant, ['developer']);
    for (let i = 0; i < 3; i += 1) expect((await chat(alice.key, 'budget/small')).status).toBe(200);
    const refused = await chat(alice.key, 'budget/small');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused.body).toMatchObject({ rate_limit: 'per-user', error: { code: 'rate_limit_exceeded' } });
    // Another principal has a bucket of its own.
    const bob = await member(t, tenant, ['developer']);
    expect((await chat(bob.key, 'budget/small')).status).toBe(200);

    const openai = new OpenAI({ apiKey: alice.key, baseURL: `${t.url}/v1`, maxRetries: 0 });
    const error = await openai.chat.completions
      .create({ model: 'budget/small', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  });
});

describe('token counting', { timeout: 30_000 }, () => {
  it('counts tokens with a tokenizer when the backend reports no usage, streamed or not', async () => {
    // TEST DOUBLE: an OpenAI-compatible server that never reports usage.
    const silent = http.createServer((request, response) => {
      let body = '';
      request.on('data', (part) => (body += part));
      request.on('end', () => {
        const message = { role: 'assistant', content: 'one two three four' };
        if (body.includes('"stream":true')) {
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          const chunk = (delta: object, finish: string | null) =>
            `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'q', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
          response.end(
            `${chunk({ content: 'one two ' }, null)}${chunk({ content: 'three four' }, 'stop')}data: [DONE]\n\n`,
          );
          return;
        }
        const answer = JSON.stringify({
          id: 'c',
          object: 'chat.completion',
          created: 1,
          model: 'q',
          choices: [{ index: 0, message, finish_reason: 'stop' }],
        });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(answer);
      });
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { admin } = await isolatedTenant(t);
      const { port } = silent.address() as AddressInfo;
      await applyAs(t, admin, [
        manifest('ModelBackend', 'quiet', {
          type: 'openai-compatible',
          endpoint: `http://127.0.0.1:${port}/v1`,
          models: ['q'],
        }),
      ]);
      expect((await chat(admin, 'quiet/q')).status).toBe(200);
      const streamed = await fetch(`${t.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'quiet/q', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(await streamed.text()).toContain('[DONE]');
      const records = await waitUntil(
        async () =>
          (
            await sendTo<{ items: { metadata: Record<string, unknown> }[] }>(
              t,
              'GET',
              '/api/v1/audit?action=llm_invoke&limit=10',
              { apiKey: admin },
            )
          ).body.items ?? [],
        (items) => items.length >= 2,
        (items) => JSON.stringify(items),
      );
      for (const record of records.slice(0, 2))
        expect(record.metadata).toMatchObject({ tokens_counted: true, input_tokens: 4, output_tokens: 4 });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('gateway token rate limits', { timeout: 30_000 }, () => {
  it('counts each request’s estimated tokens against tokens_per_minute', async () => {
    const { admin } = await isolatedTenant(t);
    await applyAs(t, admin, [
      ...backends(upstream.url),
      // Each call below estimates 32 prompt bytes + 100 max_tokens = 132 tokens: two fit, not three.
      policyManifest('limits', {
        rate_limits: [{ name: 'tenant-tokens', scope: 'tenant', tokens_per_minute: 300 }],
      }),
    ]);
    expect((await chat(admin, 'budget/small', 100)).status).toBe(200);
    expect((await chat(admin, 'budget/small', 100)).status).toBe(200);
    const refused = await chat(admin, 'budget/small', 100);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ rate_limit: 'tenant-tokens', unit: 'tokens' });
  });
});

describe('gateway budgets', { timeout: 60_000 }, () => {
  it('stops a principal whose daily token budget is spent, naming the budget and its reset', async () => {
    const { tenant, admin } = await isolatedTenant(t);
    await applyAs(t, admin, [
      ...backends(upstream.url),
      policyManifest('budgets', {
        budgets: [{ name: 'daily-tokens', scope: 'principal', window: 'day', unit: 'tokens', limit: 200 }],
      }),
    ]);
    const alice = await member(t, tenant, ['developer']);
    const statuses: number[] = [];
    for (let i = 0; i < 30 && statuses.at(-1) !== 429; i += 1)
      statuses.push((await chat(alice.key, 'budget/small')).status);
    // Each call reserves 42 tokens (32 prompt bytes + max_tokens 10) and settles the 10 it used.
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(15);
    const refused = await chat(alice.key, 'budget/small');
    expect(refused.status).toBe(429);
    expect(refused.contentType).toContain('application/problem+json');
    const tomorrow = new Date();
    tomorrow.setUTCHours(24, 0, 0, 0);
    expect(refused.body).toMatchObject({
      budget: 'daily-tokens',
      scope: 'principal',
      limit: 200,
      reset_at: tomorrow.toISOString(),
      error: { code: 'budget_exceeded', type: 'rate_limit_error' },
    });
    expect(refused.body.error?.message).toContain('daily-tokens');
  });

  it('lets no more calls through than the budget holds when 200 race for the last tokens', async () => {
    const { admin } = await isolatedTenant(t);
    // Each call reserves 50 tokens (32 prompt bytes + max_tokens 18) and uses all 50: 20 calls fit.
    await applyAs(t, admin, [
      ...backends(upstream.url),
      policyManifest('budgets', { budgets: [{ name: 'tenant-total', scope: 'tenant', limit: 1_000 }] }),
    ]);
    upstream.setHandler(() => ({ content: 'ok', usage: { prompt_tokens: 25, completion_tokens: 25 } }));
    try {
      const replies = await Promise.all(Array.from({ length: 200 }, () => chat(admin, 'budget/small', 18)));
      const ok = replies.filter((reply) => reply.status === 200).length;
      const refused = replies.filter((reply) => reply.status === 429).length;
      expect(ok + refused).toBe(200);
      expect(ok).toBe(20);
    } finally {
      upstream.setHandler(() => ({ content: 'ok', usage: { prompt_tokens: 5, completion_tokens: 5 } }));
    }
  });

  it('charges a USD budget for a priced fallback behind an unpriced, failing target', async () => {
    const { admin } = await isolatedTenant(t);
    const broken = await startScriptedModelServer();
    broken.setHandler(() => ({ status: 503 }));
    try {
      await applyAs(t, admin, [
        ...backends(upstream.url),
        manifest('ModelBackend', 'free', { type: 'openai-compatible', endpoint: broken.url, models: ['f'] }),
        manifest('ModelAlias', 'frugal', { targets: [{ backend: 'free' }], fallbacks: ['premium/big'] }),
        policyManifest('budgets', { budgets: [{ name: 'spend', scope: 'tenant', unit: 'usd', limit: 5 }] }),
      ]);
      // Each call reserves 42 tokens at the fallback's $30 / 1k ($1.26) and settles $0.20.
      const statuses: number[] = [];
      for (let i = 0; i < 30 && statuses.at(-1) !== 429; i += 1)
        statuses.push((await chat(admin, 'frugal')).status);
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.filter((status) => status === 200).length).toBe(19);
    } finally {
      await broken.close();
    }
  });

  it('degrades an alias to its cheaper model past a soft limit, before the hard stop', async () => {
    const { admin } = await isolatedTenant(t);
    await applyAs(t, admin, [
      ...backends(upstream.url),
      manifest('ModelAlias', 'smart', { targets: [{ backend: 'premium' }], degrade_to: 'budget/small' }),
      policyManifest('budgets', {
        budgets: [{ name: 'spend', scope: 'tenant', unit: 'usd', limit: 10, soft_limit: 0.5 }],
      }),
    ]);
    const served: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const reply = await chat(admin, 'smart');
      if (reply.status !== 200) break;
      served.push(reply.servedBy ?? '');
    }
    expect(served[0]).toBe('premium/big');
    expect(served).toContain('budget/small');
    expect(served.indexOf('budget/small')).toBeGreaterThan(0);

    const records = await waitUntil(
      async () =>
        (
          await sendTo<{ items: { tool: string; metadata: { cost_usd: number | null } }[] }>(
            t,
            'GET',
            '/api/v1/audit?action=llm_invoke&limit=100',
            { apiKey: admin },
          )
        ).body.items ?? [],
      (items) => items.some((item) => item.tool === 'premium/big'),
      (items) => JSON.stringify(items),
    );
    // 5 input tokens at $10 / 1k and 5 output tokens at $30 / 1k.
    expect(records.find((item) => item.tool === 'premium/big')?.metadata.cost_usd).toBeCloseTo(0.2, 6);
  });
});
