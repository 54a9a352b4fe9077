import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '../openai-wire.ts';
import { type CacheDecision, cacheDecision, canonicalJson, responseCacheKey } from './cache-key.ts';

const TOOL = {
  type: 'function',
  function: {
    name: 'lookup_order',
    description: 'Finds an order by id',
    parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  },
};

function request(overrides: Record<string, unknown> = {}): ChatCompletionRequest {
  return {
    model: 'support-bot',
    messages: [
      { role: 'system', content: 'You are a support agent.' },
      { role: 'user', content: 'Where is order 42?' },
    ],
    temperature: 0,
    tools: [TOOL],
    ...overrides,
  } as ChatCompletionRequest;
}

const keyOf = (overrides: Record<string, unknown> = {}, tenantId = 'acme', model = 'support-bot') =>
  responseCacheKey({ tenantId, model, request: request(overrides) });

describe('responseCacheKey', () => {
  it('is a hex SHA-256 that is stable for the same request', () => {
    expect(keyOf()).toMatch(/^[0-9a-f]{64}$/);
    expect(keyOf()).toBe(keyOf());
  });

  it('ignores how and for whom the answer is delivered: stream, stream_options, user, metadata, cache', () => {
    const base = keyOf();
    expect(keyOf({ stream: true })).toBe(base);
    expect(keyOf({ stream: true, stream_options: { include_usage: true } })).toBe(base);
    expect(keyOf({ user: 'alice' })).toBe(base);
    expect(keyOf({ metadata: { trace: 'x' } })).toBe(base);
    expect(keyOf({ cache: true })).toBe(base);
  });

  it('ignores key order at every depth', () => {
    const reordered = {
      tools: [
        {
          function: {
            parameters: { required: ['id'], properties: { id: { type: 'string' } }, type: 'object' },
            description: 'Finds an order by id',
            name: 'lookup_order',
          },
          type: 'function',
        },
      ],
      temperature: 0,
      messages: [
        { content: 'You are a support agent.', role: 'system' },
        { content: 'Where is order 42?', role: 'user' },
      ],
      model: 'support-bot',
    } as unknown as ChatCompletionRequest;
    expect(responseCacheKey({ tenantId: 'acme', model: 'support-bot', request: reordered })).toBe(keyOf());
  });

  it('treats a null parameter like an absent one', () => {
    expect(keyOf({ seed: null, top_p: null })).toBe(keyOf());
  });

  it('separates tenants and requested models', () => {
    expect(keyOf({}, 'globex')).not.toBe(keyOf());
    expect(keyOf({}, 'acme', 'support-bot-v2')).not.toBe(keyOf());
    // The parts are JSON fields, not concatenated text: no boundary can be shifted between them.
    expect(keyOf({}, 'acme:x', 'y')).not.toBe(keyOf({}, 'acme', 'x:y'));
  });

  it('separates requests whose system prompt, messages, tools or message order differ', () => {
    const base = keyOf();
    const [system, user] = request().messages;
    expect(keyOf({ messages: [{ role: 'system', content: 'You are terse.' }, user] })).not.toBe(base);
    expect(keyOf({ messages: [system, { role: 'user', content: 'Where is order 43?' }] })).not.toBe(base);
    expect(keyOf({ messages: [user, system] })).not.toBe(base);
    expect(keyOf({ tools: undefined })).not.toBe(base);
    const renamed = { ...TOOL, function: { ...TOOL.function, description: 'Finds an order' } };
    expect(keyOf({ tools: [renamed] })).not.toBe(base);
  });

  it.each([
    ['tool_choice', 'required'],
    ['response_format', { type: 'json_object' }],
    ['temperature', 0.2],
    ['top_p', 0.5],
    ['max_tokens', 10],
    ['max_completion_tokens', 10],
    ['n', 2],
    ['stop', ['\n']],
    ['seed', 7],
    ['presence_penalty', 0.1],
    ['frequency_penalty', 0.1],
    ['logit_bias', { '50256': -100 }],
    ['logprobs', true],
    ['top_logprobs', 2],
    ['parallel_tool_calls', false],
    ['reasoning_effort', 'high'],
  ])('separates requests whose %s differs', (field, value) => {
    expect(keyOf({ [field]: value })).not.toBe(keyOf());
  });
});

describe('canonicalJson', () => {
  it('sorts object keys and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }, 3] })).toBe('{"a":[{"c":2,"d":1},3],"b":1}');
  });
});

describe('cacheDecision', () => {
  const cacheable: CacheDecision = { read: true, write: true, reason: 'cacheable' };
  const writeOnly: CacheDecision = { read: false, write: true, reason: 'no_cache' };
  const neither = (reason: CacheDecision['reason']): CacheDecision => ({ read: false, write: false, reason });

  it.each<[string, Record<string, unknown>, string | null | undefined, CacheDecision]>([
    ['temperature 0', { temperature: 0 }, undefined, cacheable],
    ['temperature 0, empty header', { temperature: 0 }, '', cacheable],
    ['temperature 0.7', { temperature: 0.7 }, null, neither('not_deterministic')],
    ['no temperature (the default is not 0)', { temperature: undefined }, null, neither('not_deterministic')],
    ['cache: true at temperature 1', { temperature: 1, cache: true }, null, cacheable],
    ['cache: "yes" is not an opt-in', { temperature: 1, cache: 'yes' }, null, neither('not_deterministic')],
    ['cache: false at temperature 0', { temperature: 0, cache: false }, null, neither('opted_out')],
    ['cache: false beats no-cache', { temperature: 0, cache: false }, 'no-cache', neither('opted_out')],
    ['no-cache', { temperature: 0 }, 'no-cache', writeOnly],
    ['no-cache among other directives', { temperature: 0 }, 'max-age=0, No-Cache', writeOnly],
    ['no-store', { temperature: 0 }, 'no-store', neither('no_store')],
    ['no-store beats no-cache', { temperature: 0 }, 'no-cache, NO-STORE', neither('no_store')],
    ['no-store with cache: true', { temperature: 1, cache: true }, 'no-store', neither('no_store')],
    ['not deterministic beats no-cache', { temperature: 1 }, 'no-cache', neither('not_deterministic')],
    ['unknown directives', { temperature: 0 }, 'private, max-age=60', cacheable],
  ])('%s', (_name, overrides, header, expected) => {
    expect(cacheDecision(request(overrides), header)).toEqual(expected);
  });
});
