import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAs, isolatedTenant } from '../support/governance.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { type SemanticModelDouble, startSemanticModelDouble } from '../support/semantic-model-double.ts';

/**
 * The L3 semantic cache through the real server: a prompt that means the same (here: the same
 * words, another order and case, under a bag-of-words embedding double) gets the stored answer
 * (`x-cache: hit-l3`), and never across tenants, system prompts, models or sensitivity levels.
 */
let t: TestPlatform;
let upstream: SemanticModelDouble;
let key: string;
let otherKey: string;

const manifest = (kind: string, name: string, spec: object) => ({
  apiVersion: 'agenticai.dev/v1alpha1',
  kind,
  metadata: { name },
  spec,
});
const setup = (endpoint: string) => [
  manifest('ModelBackend', 'llm', { type: 'openai-compatible', endpoint, models: ['m', 'bow'] }),
  manifest('ModelAlias', 'assistant', {
    targets: [{ backend: 'llm', model: 'm' }],
    cache: { semantic: { enabled: true, embedding_model: 'llm/bow' } },
  }),
  manifest('ModelAlias', 'strict', {
    targets: [{ backend: 'llm', model: 'm' }],
    cache: { semantic: { enabled: true, embedding_model: 'llm/bow', similarity_threshold: 0.999 } },
  }),
];

async function ask(
  apiKey: string,
  question: string,
  options: { model?: string; system?: string; headers?: Record<string, string> } = {},
) {
  const messages = [
    ...(options.system ? [{ role: 'system', content: options.system }] : []),
    { role: 'user', content: question },
  ];
  const reply = await fetch(`${t.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify({ model: options.model ?? 'assistant', temperature: 0, messages }),
  });
  const body = (await reply.json()) as {
    choices?: { message: { content: string } }[];
    error?: { param: string };
  };
  return {
    status: reply.status,
    cache: reply.headers.get('x-cache'),
    answer: body.choices?.[0]?.message.content ?? '',
    body,
  };
}

beforeAll(async () => {
  upstream = await startSemanticModelDouble();
  t = await startTestPlatform();
  ({ admin: key } = await isolatedTenant(t));
  ({ admin: otherKey } = await isolatedTenant(t));
  await applyAs(t, key, setup(upstream.url));
  await applyAs(t, otherKey, setup(upstream.url));
}, 60_000);

afterAll(async () => {
  await t?.close();
  await upstream?.close();
});

/** L3 entries are written after the answer is sent: give the write a moment. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('semantic cache (L3)', { timeout: 30_000 }, () => {
  it('answers a rephrased question from the stored answer without calling the model', async () => {
    const first = await ask(key, 'What is the capital of France?');
    expect(first).toMatchObject({ status: 200, cache: 'miss' });
    await settle();
    const chats = upstream.chats;

    const again = await ask(key, 'the capital of FRANCE: what is');
    expect(again.cache).toBe('hit-l3');
    expect(again.answer).toBe(first.answer);
    expect(upstream.chats).toBe(chats);

    // Filed in L1 too: the same words in the same order are now an exact hit.
    expect((await ask(key, 'the capital of FRANCE: what is')).cache).toBe('hit-l1');
  });

  it('answers a different question afresh, and respects the similarity threshold', async () => {
    await ask(key, 'How tall is the Eiffel tower?');
    await settle();
    const other = await ask(key, 'How old is the Louvre museum?');
    expect(other.cache).toBe('miss');

    // 18 of 19 words shared: cosine ≈ 0.947, above the default 0.92 and below 0.999.
    const alpha =
      'list every open port of the host named alpha in the lab network behind the second firewall today';
    const beta = alpha.replace('alpha', 'beta');
    await ask(key, alpha, { model: 'strict' });
    await ask(key, alpha);
    await settle();
    expect((await ask(key, beta, { model: 'strict' })).cache).toBe('miss');
    expect((await ask(key, beta)).cache).toBe('hit-l3');
  });

  it('never crosses tenants, system prompts or requested models', async () => {
    const question = 'Which team owns the payments service?';
    await ask(key, question, { system: 'You are terse.' });
    await settle();
    expect((await ask(key, question, { system: 'You are verbose.' })).cache).toBe('miss');
    expect((await ask(key, question, { system: 'You are terse.', model: 'strict' })).cache).toBe('miss');
    const other = await ask(otherKey, question, { system: 'You are terse.' });
    expect(other.cache).toBe('miss');
    expect((await ask(key, `${question} `, { system: 'You are terse.' })).cache).toMatch(/^hit-/);
  });

  it('serves an answer produced at a sensitivity level only at that level or above', async () => {
    const secret = 'summarise incident 4711 root cause';
    const confidential = { 'x-sensitivity-level': '3' };
    const produced = await ask(key, secret, { headers: confidential });
    expect(produced.cache).toBe('miss');
    await settle();

    const publicAsk = await ask(key, 'incident 4711 root cause: summarise', {
      headers: { 'x-sensitivity-level': '1' },
    });
    expect(publicAsk.cache).toBe('miss');
    expect(publicAsk.answer).not.toBe(produced.answer);

    const reworded = 'root cause, incident 4711: summarise';
    const cleared = await ask(key, reworded, { headers: confidential });
    expect(cleared.cache).toBe('hit-l3');
    // Whatever the confidential hit filed in L1 is filed for the confidential level only.
    const sameWordsPublic = await ask(key, reworded);
    expect(sameWordsPublic.cache).not.toBe('hit-l1');
    expect(sameWordsPublic.answer).not.toBe(produced.answer);
  });

  it('refuses a sensitivity level it does not know', async () => {
    const reply = await ask(key, 'anything', { headers: { 'x-sensitivity-level': 'secret' } });
    expect(reply.status).toBe(400);
    expect(reply.body.error?.param).toBe('x-sensitivity-level');
  });
});
