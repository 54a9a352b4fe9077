/**
 * Hit rate of the gateway's response caches on a repetitive workload, the way a security
 * operations team asks the same things: 40 analyst questions, each asked 10 times over a day
 * (1 in 4 exactly as before, 3 in 4 reworded: another order, case, punctuation, a filler word),
 * shuffled. The embedding model is a bag-of-words double (a real embedding model would also map
 * synonyms together; this one only catches rewordings that keep the words). Reported: hits per
 * level (`x-cache`), the anchor being the exact caches alone (L1 / L2, no L3) on the same
 * workload, the latency of hits against misses, and cross-tenant hits (a second tenant asking the
 * same questions must never hit the first tenant's answers).
 *
 *   npx tsx bench/semantic-cache.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startPlatform } from '../src/main.ts';
import { startSemanticModelDouble } from '../test/support/semantic-model-double.ts';

const KEY = 'ak_bench_0123456789abcdefghijklmnop';
const QUESTIONS = [
  'which hosts talked to 203.0.113.7 in the last hour',
  'is the ip 198.51.100.23 on any threat intel list',
  'who owns the server db-prod-3',
  'what is the runbook for a phishing report',
  'summarise the failed logins for user alice today',
  'which firewall rule blocks port 445 outbound',
  'list open incidents with severity high',
  'what changed on the vpn gateway this week',
  'is cve-2024-3094 present on our build servers',
  'explain the alert brute force on ssh from 192.0.2.10',
];
while (QUESTIONS.length < 40) {
  const base = QUESTIONS[QUESTIONS.length % 10] as string;
  QUESTIONS.push(`${base} for site ${String.fromCharCode(97 + QUESTIONS.length)}`);
}

/** One rewording: shuffle words (seeded), change case, add punctuation or a filler. */
function reword(question: string, seed: number): string {
  const words = question.split(' ');
  const variant = seed % 4;
  if (variant === 0) return question;
  if (variant === 1) return `${question.toUpperCase()}?`;
  if (variant === 2) return `please, ${words.slice(1).join(' ')} ${words[0]}`;
  return `${words.reverse().join(' ')}.`;
}

function workload(): string[] {
  const asks: string[] = [];
  QUESTIONS.forEach((question, index) => {
    for (let i = 0; i < 10; i += 1) asks.push(reword(question, index + i));
  });
  let seed = 7;
  for (let i = asks.length - 1; i > 0; i -= 1) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [asks[i], asks[j]] = [asks[j] as string, asks[i] as string];
  }
  return asks;
}

const upstream = await startSemanticModelDouble();
const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-bench-semantic-'));
const platform = await startPlatform(
  loadConfig({ flags: { port: 0, dataDir, bootstrapAdminKey: KEY, logLevel: 'warn', demo: false } }),
);

async function send(path: string, apiKey: string, body: object): Promise<Response> {
  return fetch(`${platform.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function tenantKey(name: string): Promise<string> {
  await send('/api/v1/tenants', KEY, { name });
  await send(`/api/v1/principals?tenant=${name}`, KEY, { name: 'analyst', roles: ['admin'] });
  const key = (await (
    await send(`/api/v1/api-keys?tenant=${name}`, KEY, { principal: 'analyst' })
  ).json()) as {
    key: string;
  };
  const items = [
    {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'ModelBackend',
      metadata: { name: 'llm' },
      spec: { type: 'openai-compatible', endpoint: upstream.url, models: ['m', 'bow'] },
    },
    ...['semantic', 'exact'].map((name) => ({
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'ModelAlias',
      metadata: { name },
      spec: {
        targets: [{ backend: 'llm', model: 'm' }],
        cache: { semantic: { enabled: name === 'semantic', embedding_model: 'llm/bow' } },
      },
    })),
  ];
  const applied = await send('/api/v1/apply', key.key, { items });
  if (applied.status !== 200) throw new Error(`apply: ${await applied.text()}`);
  return key.key;
}

async function run(apiKey: string, model: string, asks: string[]) {
  const levels = new Map<string, number>();
  const latency = { hit: [] as number[], miss: [] as number[] };
  const answers: number[] = [];
  for (const question of asks) {
    const started = performance.now();
    const reply = await send('/v1/chat/completions', apiKey, {
      model,
      temperature: 0,
      messages: [
        { role: 'system', content: 'You are a SOC analyst assistant.' },
        { role: 'user', content: question },
      ],
    });
    const body = (await reply.json()) as { choices?: { message: { content: string } }[] };
    answers.push(Number(/answer #(\d+)/.exec(body.choices?.[0]?.message.content ?? '')?.[1] ?? 0));
    const level = reply.headers.get('x-cache') ?? 'none';
    levels.set(level, (levels.get(level) ?? 0) + 1);
    (level.startsWith('hit') ? latency.hit : latency.miss).push(performance.now() - started);
    // L3 entries are written after the answer: a real workload has seconds between questions.
    if (!level.startsWith('hit')) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { levels, latency, answers };
}

const p50 = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

try {
  const asks = workload();
  const first = await tenantKey('bench-a');
  const second = await tenantKey('bench-b');
  const exact = await run(first, 'exact', asks);
  const semantic = await run(first, 'semantic', asks);
  // The second tenant asks the same questions; an answer the double numbered during the first
  // tenant's runs would be the first tenant's answer served across.
  const firstTenantAnswers = upstream.chats;
  const isolation = await run(second, 'semantic', asks);
  const rate = (levels: Map<string, number>) =>
    ([...levels].filter(([level]) => level.startsWith('hit')).reduce((sum, [, n]) => sum + n, 0) /
      asks.length) *
    100;
  const show = (levels: Map<string, number>) =>
    ['hit-l1', 'hit-l2', 'hit-l3', 'miss'].map((level) => `${level} ${levels.get(level) ?? 0}`).join(', ');
  console.log(
    `\nResponse caches on a repetitive SOC workload: ${asks.length} questions (${QUESTIONS.length} distinct intents)\n`,
  );
  console.log('| caches | hit rate | by level | p50 hit ms | p50 miss ms |');
  console.log('| --- | ---: | --- | ---: | ---: |');
  console.log(
    `| L1 + L2 exact (anchor) | ${rate(exact.levels).toFixed(1)} % | ${show(exact.levels)} | ${p50(exact.latency.hit).toFixed(2)} | ${p50(exact.latency.miss).toFixed(2)} |`,
  );
  console.log(
    `| L1 + L2 + L3 semantic | ${rate(semantic.levels).toFixed(1)} % | ${show(semantic.levels)} | ${p50(semantic.latency.hit).toFixed(2)} | ${p50(semantic.latency.miss).toFixed(2)} |`,
  );
  const crossHits = isolation.answers.filter((n) => n > 0 && n <= firstTenantAnswers).length;
  console.log(
    `\nSecond tenant, same workload: hit rate ${rate(isolation.levels).toFixed(1)} % (its own answers); answers from the first tenant: ${crossHits} of ${asks.length}`,
  );
} finally {
  await platform.close();
  await upstream.close();
  rmSync(dataDir, { recursive: true, force: true });
}
