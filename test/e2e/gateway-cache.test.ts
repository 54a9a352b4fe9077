import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../support/env.ts';
import { applyAs, isolatedTenant } from '../support/governance.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { type ScriptedModelServer, startScriptedModelServer } from '../support/scripted-model-server.ts';

/**
 * The response cache through the real server: deterministic requests are answered once upstream
 * and then from L1 (this process) or L2 (Redis, shared by replicas); `x-cache` says which.
 */
let t: TestPlatform;
let upstream: ScriptedModelServer;
let key: string;
let otherKey: string;

const backend = (endpoint: string) => ({
  apiVersion: 'agenticai.dev/v1alpha1',
  kind: 'ModelBackend',
  metadata: { name: 'llm' },
  spec: { type: 'openai-compatible', endpoint, models: ['m'] },
});

let counter = 0;
/** A prompt no other test sends, so each test starts cold. */
const fresh = () => `question ${counter++} at ${Date.now()}`;

async function chat(
  apiKey: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; cache: string | null; text: string }> {
  const reply = await fetch(`${t.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'llm/m', ...body }),
  });
  return { status: reply.status, cache: reply.headers.get('x-cache'), text: await reply.text() };
}

beforeAll(async () => {
  upstream = await startScriptedModelServer();
  t = await startTestPlatform();
  ({ admin: key } = await isolatedTenant(t));
  ({ admin: otherKey } = await isolatedTenant(t));
  await applyAs(t, key, [backend(upstream.url)]);
  await applyAs(t, otherKey, [backend(upstream.url)]);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await upstream?.close();
});

describe('response cache', { timeout: 30_000 }, () => {
  it('answers a repeated temperature-0 request from L1 without calling upstream', async () => {
    const messages = [{ role: 'user', content: fresh() }];
    upstream.enqueue({ content: 'the first answer', usage: { prompt_tokens: 3, completion_tokens: 3 } });
    const first = await chat(key, { messages, temperature: 0 });
    const calls = upstream.requests.length;
    const second = await chat(key, { messages, temperature: 0 });

    expect(first.cache).toBe('miss');
    expect(second.cache).toBe('hit-l1');
    expect(upstream.requests.length).toBe(calls);
    expect(JSON.parse(second.text).choices[0].message.content).toBe('the first answer');
  });

  it('reports cache hits and token usage on /metrics with the seed’s names', async () => {
    const messages = [{ role: 'user', content: fresh() }];
    upstream.enqueue({ content: 'counted', usage: { prompt_tokens: 7, completion_tokens: 3 } });
    await chat(key, { messages, temperature: 0 });
    await chat(key, { messages, temperature: 0 });
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const ratio = /msig_cache_hit_ratio\{cache_level="l1"\} ([\d.e-]+)/.exec(text)?.[1];
    expect(Number(ratio)).toBeGreaterThan(0);
    expect(Number(ratio)).toBeLessThanOrEqual(1);
    expect(text).toMatch(/msig_cache_requests_total\{cache_level="hit-l1"\} [1-9]/);
    const input = /agent_token_usage\{agent_id="none",model_name="llm\/m",direction="input"\} (\d+)/.exec(
      text,
    )?.[1];
    expect(Number(input)).toBeGreaterThanOrEqual(7);
  });

  it('does not cache sampled requests, and says nothing about the cache for them', async () => {
    const messages = [{ role: 'user', content: fresh() }];
    const first = await chat(key, { messages, temperature: 0.7 });
    const second = await chat(key, { messages, temperature: 0.7 });
    expect(first.cache).toBeNull();
    expect(second.cache).toBeNull();
  });

  it('caches on request with cache: true, and bypasses with Cache-Control: no-cache', async () => {
    const messages = [{ role: 'user', content: fresh() }];
    await chat(key, { messages, cache: true });
    expect((await chat(key, { messages, cache: true })).cache).toBe('hit-l1');
    const calls = upstream.requests.length;
    expect((await chat(key, { messages, cache: true }, { 'cache-control': 'no-cache' })).cache).toBe('miss');
    expect(upstream.requests.length).toBe(calls + 1);
    expect(upstream.requests.at(-1)?.body).not.toHaveProperty('cache');
  });

  it('replays a cached answer as a stream to a streaming caller', async () => {
    const messages = [{ role: 'user' as const, content: fresh() }];
    upstream.enqueue({
      content: 'a cached answer that streams back',
      usage: { prompt_tokens: 4, completion_tokens: 6 },
    });
    await chat(key, { messages, temperature: 0 });
    const openai = new OpenAI({ apiKey: key, baseURL: `${t.url}/v1`, maxRetries: 0 });
    const { data: stream, response } = await openai.chat.completions
      .create({
        model: 'llm/m',
        messages,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    let text = '';
    let usage: unknown = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(response.headers.get('x-cache')).toBe('hit-l1');
    expect(text).toBe('a cached answer that streams back');
    expect(usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 6 });
  });

  it('stores a streamed answer and serves it to a later non-streaming caller', async () => {
    const messages = [{ role: 'user', content: fresh() }];
    upstream.enqueue({ content: 'streamed once' });
    const streamed = await chat(key, { messages, temperature: 0, stream: true });
    expect(streamed.cache).toBe('miss');
    expect(streamed.text).toContain('[DONE]');
    const later = await chat(key, { messages, temperature: 0 });
    expect(later.cache).toBe('hit-l1');
    expect(JSON.parse(later.text).choices[0].message.content).toBe('streamed once');
  });

  it('never serves one tenant what another tenant was answered', async () => {
    const messages = [{ role: 'user', content: fresh() }];
    upstream.enqueue({ content: 'for the first tenant only' });
    await chat(key, { messages, temperature: 0 });
    const other = await chat(otherKey, { messages, temperature: 0 });
    expect(other.cache).toBe('miss');
    expect(JSON.parse(other.text).choices[0].message.content).not.toBe('for the first tenant only');
  });

  it.skipIf(!TEST_REDIS_URL)('shares answers between replicas through L2 (Redis)', async () => {
    const replica = await startTestPlatform({
      databaseUrl: t.platform.config.databaseUrl,
      databaseSchema: t.platform.config.databaseSchema,
      redisUrl: t.platform.config.redisUrl,
    });
    try {
      const messages = [{ role: 'user', content: fresh() }];
      upstream.enqueue({ content: 'answered by the first replica' });
      expect((await chat(key, { messages, temperature: 0 })).cache).toBe('miss');
      const calls = upstream.requests.length;
      const reply = await fetch(`${replica.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'llm/m', messages, temperature: 0 }),
      });
      expect(reply.headers.get('x-cache')).toBe('hit-l2');
      expect(
        ((await reply.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
      ).toBe('answered by the first replica');
      expect(upstream.requests.length).toBe(calls);
    } finally {
      await replica.close();
    }
  });
});
