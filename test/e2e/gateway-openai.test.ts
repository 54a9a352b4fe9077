import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAs, isolatedTenant } from '../support/governance.ts';
import { sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { closedPort, waitUntil } from '../support/runs.ts';
import {
  lastUserMessage,
  type ScriptedModelServer,
  startScriptedModelServer,
} from '../support/scripted-model-server.ts';

/**
 * The OpenAI-compatible gateway through the official `openai` client: a real platform, the
 * scripted model server as the backend, real sockets both ways.
 */
const EMAIL = 'alice.smith@example.com';

let t: TestPlatform;
let upstream: ScriptedModelServer;
let key: string;
let openai: OpenAI;

const backend = (name: string, endpoint: string, models: string[], extra: object = {}) => ({
  apiVersion: 'agenticai.dev/v1alpha1',
  kind: 'ModelBackend',
  metadata: { name },
  spec: { type: 'openai-compatible', endpoint, models, ...extra },
});

beforeAll(async () => {
  upstream = await startScriptedModelServer();
  t = await startTestPlatform();
  ({ admin: key } = await isolatedTenant(t));
  await applyAs(t, key, [
    backend('scripted', upstream.url, ['m', 'shared', 'emb']),
    backend('ext', upstream.url, ['e', 'shared'], { trust: 'external' }),
    backend('down', `http://127.0.0.1:${await closedPort()}/v1`, ['d']),
    backend('slow', upstream.url, ['s'], { timeout: '300ms' }),
    backend('hosted', upstream.url, ['h'], { apiKeySecretRef: { name: 'hosted-key' } }),
    backend('keyless', upstream.url, ['k'], { apiKeySecretRef: { name: 'never-set' } }),
  ]);
  await sendTo(t, 'PUT', '/api/v1/secrets/hosted-key', {
    apiKey: key,
    body: { data: { key: 'sk-hosted-1' } },
  });
  openai = new OpenAI({ apiKey: key, baseURL: `${t.url}/v1`, maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await upstream?.close();
});

describe('model gateway through the openai client', { timeout: 30_000 }, () => {
  it('answers a chat completion from the backend, with the model the caller named', async () => {
    upstream.enqueue({ content: 'hello there', usage: { prompt_tokens: 7, completion_tokens: 2 } });
    const completion = await openai.chat.completions.create({
      model: 'scripted/m',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 20,
    });
    expect(completion.choices[0]?.message.content).toBe('hello there');
    expect(completion.model).toBe('scripted/m');
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 2 });
    expect(upstream.requests.at(-1)?.body).toMatchObject({ model: 'm', max_tokens: 20 });
  });

  it('resolves a bare model name served by one backend', async () => {
    upstream.enqueue({ content: 'bare' });
    const completion = await openai.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(completion.choices[0]?.message.content).toBe('bare');
    expect(completion.model).toBe('m');
  });

  it('streams chunks as they arrive and ends with a usage chunk when asked', async () => {
    upstream.enqueue({ content: 'one two three four', usage: { prompt_tokens: 3, completion_tokens: 4 } });
    const stream = await openai.chat.completions.create({
      model: 'scripted/m',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('one two three four');
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length).toBeGreaterThan(2);
    expect(chunks.every((chunk) => chunk.model === 'scripted/m')).toBe(true);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 });
    expect(upstream.requests.at(-1)?.body.stream_options).toEqual({ include_usage: true });
  });

  it('passes tool calls through, streamed and not', async () => {
    const toolCalls = [{ name: 'lookup', arguments: { ip: '10.0.0.1' }, id: 'call_1' }];
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'lookup', parameters: { type: 'object', properties: { ip: { type: 'string' } } } },
      },
    ];
    upstream.enqueue({ toolCalls });
    const completion = await openai.chat.completions.create({
      model: 'scripted/m',
      messages: [{ role: 'user', content: 'look up 10.0.0.1' }],
      tools,
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function : undefined).toEqual({
      name: 'lookup',
      arguments: '{"ip":"10.0.0.1"}',
    });
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(upstream.requests.at(-1)?.body.tools).toEqual(tools);

    upstream.enqueue({ toolCalls });
    const stream = openai.chat.completions.stream({
      model: 'scripted/m',
      messages: [{ role: 'user', content: 'look up 10.0.0.1' }],
      tools,
    });
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(streamed?.type === 'function' ? streamed.function.arguments : undefined).toBe('{"ip":"10.0.0.1"}');
  });

  it('answers embeddings from the backend', async () => {
    const reply = await openai.embeddings.create({
      model: 'scripted/emb',
      input: ['a b', 'hello'],
      encoding_format: 'float',
    });
    expect(reply.data.map((item) => item.embedding)).toEqual([
      [3, 1, 1, 1],
      [5, 2, 0, 1],
    ]);
    expect(reply.model).toBe('scripted/emb');
    expect(upstream.embeddingRequests.at(-1)).toMatchObject({ model: 'emb', input: ['a b', 'hello'] });
  });

  it("lists the caller's models as backend/model", async () => {
    const ids = [];
    for await (const model of openai.models.list()) {
      expect(model.object).toBe('model');
      expect(model.created).toBeGreaterThan(1_700_000_000);
      ids.push(`${model.owned_by}:${model.id}`);
    }
    expect(ids.sort()).toEqual(
      [
        'down:down/d',
        'ext:ext/e',
        'ext:ext/shared',
        'hosted:hosted/h',
        'keyless:keyless/k',
        'scripted:scripted/emb',
        'scripted:scripted/m',
        'scripted:scripted/shared',
        'slow:slow/s',
      ].sort(),
    );
    // Another tenant sees none of them.
    const other = new OpenAI({ apiKey: t.adminKey, baseURL: `${t.url}/v1`, maxRetries: 0 });
    const theirs = await other.models.list();
    expect(theirs.data.filter((model) => model.owned_by === 'ext')).toEqual([]);
  });

  it('records each call in the audit log with tokens and latency', async () => {
    // OpenAI's prompt caching detail rides along in `usage`; the double sends what it is given.
    const usage = { prompt_tokens: 11, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 8 } };
    upstream.enqueue({ content: 'audited', usage });
    await openai.chat.completions.create({ model: 'scripted/m', messages: [{ role: 'user', content: 'a' }] });
    const records = await waitUntil(
      async () =>
        (
          await sendTo<{ items: { tool: string; metadata: Record<string, unknown> }[] }>(
            t,
            'GET',
            '/api/v1/audit?action=llm_invoke&tool=scripted%2Fm&limit=100',
            { apiKey: key },
          )
        ).body.items ?? [],
      (items) => items.some((item) => item.metadata.input_tokens === 11),
      (items) => JSON.stringify(items),
    );
    const record = records.find((item) => item.metadata.input_tokens === 11);
    expect(record?.metadata).toMatchObject({
      output_tokens: 5,
      cached_tokens: 8,
      status: 200,
      operation: 'chat.completions',
    });
    expect(typeof record?.metadata.latency_ms).toBe('number');
  });
});

describe('model gateway errors', { timeout: 30_000 }, () => {
  const chat = { messages: [{ role: 'user' as const, content: 'hi' }] };

  it('answers an unknown model with 404 model_not_found', async () => {
    const error = await openai.chat.completions.create({ model: 'nope', ...chat }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });

  it('answers a model several backends serve with 400 naming the candidates', async () => {
    const error = await openai.chat.completions.create({ model: 'shared', ...chat }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('ext/shared');
    expect((error as Error).message).toContain('scripted/shared');
  });

  it('answers a bad API key with 401', async () => {
    const stranger = new OpenAI({ apiKey: 'ak_wrong_wrong_wrong', baseURL: `${t.url}/v1`, maxRetries: 0 });
    const error = await stranger.chat.completions
      .create({ model: 'scripted/m', ...chat })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('answers a negative max_tokens with 400 naming the param', async () => {
    const error = await openai.chat.completions
      .create({ model: 'scripted/m', ...chat, max_tokens: -5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'max_tokens', type: 'invalid_request_error' });
  });

  it('answers malformed JSON with a 400 OpenAI error object', async () => {
    const response = await t.request('POST', '/v1/chat/completions', {
      body: '{"model": "scripted/m",',
      apiKey: key,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', param: null });
    expect(typeof body.error.message).toBe('string');
  });

  it('answers a 50 MB body with 413 and keeps serving', async () => {
    const body = JSON.stringify({ model: 'scripted/m', ...chat, pad: 'x'.repeat(50 * 1024 * 1024) });
    const response = await t.request('POST', '/v1/chat/completions', { body, apiKey: key });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
    upstream.enqueue({ content: 'still here' });
    const after = await openai.chat.completions.create({ model: 'scripted/m', ...chat });
    expect(after.choices[0]?.message.content).toBe('still here');
  });

  it('answers 502 when the backend is down, 504 when it does not answer in time', async () => {
    const down = await openai.chat.completions.create({ model: 'down/d', ...chat }).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(OpenAI.InternalServerError);
    expect(down).toMatchObject({ status: 502, code: 'upstream_unreachable' });
    // A direct model is tried twice: both attempts must time out for the caller to see 504.
    upstream.enqueue({ hang: true });
    upstream.enqueue({ hang: true });
    const slow = await openai.chat.completions.create({ model: 'slow/s', ...chat }).catch((e: unknown) => e);
    expect(slow).toMatchObject({ status: 504, code: 'upstream_timeout' });
  });

  it('passes an upstream 4xx on as an OpenAI error', async () => {
    upstream.enqueue({
      status: 400,
      body: JSON.stringify({
        error: {
          message: 'context too long',
          type: 'invalid_request_error',
          code: 'context_length_exceeded',
        },
      }),
    });
    const error = await openai.chat.completions
      .create({ model: 'scripted/m', ...chat })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ code: 'context_length_exceeded' });
    expect((error as Error).message).toContain('context too long');
  });

  it('ends a stream that breaks mid-answer with an error event, never as a success', async () => {
    upstream.enqueue({ content: 'one two three four five', failAfterDeltas: 2 });
    const stream = await openai.chat.completions.create({ model: 'scripted/m', ...chat, stream: true });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain('mid-stream');
    expect(text).toBe('one two ');
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    const before = upstream.disconnects;
    upstream.enqueue({ content: 'a b c d e f g h i j k l m n o p q r s t', deltaDelayMs: 100 });
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: 'scripted/m', ...chat, stream: true },
      { signal: controller.signal },
    );
    await (async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) controller.abort();
    })().catch(() => undefined);
    await waitUntil(
      async () => upstream.disconnects,
      (count) => count > before,
      (count) => `disconnects ${count}`,
      5_000,
    );
  });

  it('never shows an external backend the raw e-mail, and restores it in the answer', async () => {
    upstream.setHandler((request) => ({ content: `you said: ${lastUserMessage(request)}` }));
    try {
      const prompt = `mail ${EMAIL} about it`;
      const completion = await openai.chat.completions.create({
        model: 'ext/e',
        messages: [{ role: 'user', content: prompt }],
      });
      expect(completion.choices[0]?.message.content).toBe(`you said: ${prompt}`);
      const stream = await openai.chat.completions.create({
        model: 'ext/e',
        messages: [{ role: 'user', content: prompt }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toContain(EMAIL);
      const seen = JSON.stringify(upstream.requests.slice(-2).map((request) => request.body));
      expect(seen).not.toContain(EMAIL);
      expect(seen).toContain('<EMAIL_1>');
    } finally {
      upstream.setHandler(undefined);
    }
  });

  it('fails only the calls of a backend whose key secret is missing, naming it', async () => {
    const before = upstream.requestCount;
    const error = await openai.chat.completions
      .create({ model: 'keyless/k', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => null,
        (e: unknown) => e as { status: number; message: string },
      );
    expect(error?.status).toBe(502);
    expect(error?.message).toMatch(/no usable API key: secret "never-set" not found/);
    expect(upstream.requestCount).toBe(before);
  });

  it('sends a hosted backend its API key from the apiKeySecretRef secret, and a replaced secret at once', async () => {
    upstream.enqueue({ content: 'ok' });
    await openai.chat.completions.create({ model: 'hosted/h', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.requests.at(-1)?.authorization).toBe('Bearer sk-hosted-1');
    // The caller's own platform key never goes upstream.
    expect(upstream.requests.at(-1)?.authorization).not.toContain(key);
    await sendTo(t, 'PUT', '/api/v1/secrets/hosted-key', {
      apiKey: key,
      body: { data: { key: 'sk-hosted-2' } },
    });
    await waitUntil(
      async () => {
        upstream.enqueue({ content: 'ok' });
        await openai.chat.completions.create({
          model: 'hosted/h',
          messages: [{ role: 'user', content: 'hi' }],
        });
        return upstream.requests.at(-1)?.authorization;
      },
      (authorization) => authorization === 'Bearer sk-hosted-2',
      (authorization) => `the backend still got ${authorization}`,
      5_000,
    );
  });
});
