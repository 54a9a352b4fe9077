/**
 * Guard: PII masking throughput and prompt-injection detector latency and quality.
 *
 * (1) Masking: a deterministic ~8 MB mixed corpus (English and Chinese prose, log lines, JSON
 *     snippets, PII sprinkled in) masked with `PiiMasker.maskText`, default config (all built-in
 *     detectors) and with the seed policy's two custom rules (RE2). Anchor in the same run: one
 *     `String.prototype.replace` of one simple regex (`/\d{11}/g`) over the same text. MB/s are
 *     medians of 5 rounds, in UTF-16 MB (length × 2 bytes).
 * (2) Injection: `InjectionDetector.detect` per text over bench/data/injection-eval.jsonl, p50 /
 *     p99 over 20 passes, and precision / recall on the dev and the held-out test split.
 *
 * Usage: npx tsx bench/guard.ts
 */
import { readFileSync } from 'node:fs';
import { InjectionDetector, PiiMasker } from '../src/guard/index.ts';

const ROUNDS = 5;
const TARGET_CHARS = 4_000_000;

function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function corpus(): string {
  const random = rng(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const prose = [
    'The quarterly report shows steady growth in the APAC region and lower churn.',
    'Please review the attached design document before the meeting on Thursday.',
    '部署完成后请检查监控面板，确认延迟没有明显上升。',
    'INFO 2024-05-01T12:00:03Z worker-3 processed run 7f3a in 132 ms (queue depth 12)',
    '{"event":"login","status":"ok","latency_ms":41,"region":"eu-west-1","version":"1.2.3.4.5"}',
    'Upgrade to release 10.4.2 fixes the memory leak in the cache layer.',
    '用户反馈页面加载缓慢，初步判断是数据库连接池耗尽。',
    'commit 3f2a9c1b5e7d9f0a1b2c3d4e5f6a7b8c9d0e1f2a Merge branch main into feature/guard',
  ];
  const pii = [
    () => `contact ${pick(['alice', 'bob', 'carol', 'wang.wei'])}${digits(2)}@example.com`,
    () => `tel 13${digits(9)}`,
    () => `client ip 10.${digits(1)}.${digits(1)}.${digits(2)}`,
    () => 'card 4111 1111 1111 1111',
    () => '身份证 11010519491231002X',
    () => 'key AKIAIOSFODNN7EXAMPLE',
    () => `Authorization: Bearer sk-proj-${digits(24)}abcdef`,
    () => `employee EMP-${digits(6)}`,
  ];
  const parts: string[] = [];
  let length = 0;
  while (length < TARGET_CHARS) {
    const line = random() < 0.25 ? `${pick(prose)} ${pick(pii)()} ${pick(prose)}` : pick(prose);
    parts.push(line);
    length += line.length + 1;
  }
  return parts.join('\n');
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

function throughput(text: string, run: () => unknown): number {
  const mb = (text.length * 2) / 1e6;
  run();
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const start = performance.now();
    run();
    rates.push(mb / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

const text = corpus();
const builtins = new PiiMasker({});
const seed = new PiiMasker({
  rules: [
    { name: 'phone_number', regex: '\\b\\d{11}\\b', action: 'mask' },
    { name: 'aws_ak', regex: '(AKIA|ASIA)[0-9A-Z]{16}', action: 'redact' },
  ],
});
const entities = builtins.detect(text).length;
const anchor = throughput(text, () => text.replace(/\d{11}/g, '*'));
const maskRows: [string, number][] = [
  ['anchor: text.replace(/\\d{11}/g)', anchor],
  ['PiiMasker.maskText, built-ins', throughput(text, () => builtins.maskText(text))],
  ['PiiMasker.maskText, built-ins + 2 custom (RE2)', throughput(text, () => seed.maskText(text))],
];

console.log(
  `\nMasking: ${((text.length * 2) / 1e6).toFixed(1)} MB (UTF-16), ${entities} entities, median of ${ROUNDS}\n`,
);
console.log('| what | MB/s | vs anchor |');
console.log('| --- | ---: | ---: |');
for (const [name, rate] of maskRows)
  console.log(`| ${name} | ${rate.toFixed(1)} | ${(rate / anchor).toFixed(3)}x |`);

interface Example {
  text: string;
  label: 'injection' | 'benign';
  source: 'user' | 'tool' | 'retrieval';
  split: 'dev' | 'test';
}
const examples: Example[] = readFileSync(new URL('data/injection-eval.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Example);
const detector = new InjectionDetector();
const latencies = { dev: [] as number[], test: [] as number[] };
for (let pass = 0; pass < 21; pass += 1) {
  for (const example of examples) {
    const start = performance.now();
    detector.detect(example.text, example.source);
    if (pass > 0) latencies[example.split].push((performance.now() - start) * 1000);
  }
}
console.log(`\nInjection detector: ${examples.length} examples, 20 timed passes (after one warm-up)\n`);
console.log('| split | n | precision | recall | p50 µs | p99 µs |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const split of ['dev', 'test'] as const) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const subset = examples.filter((e) => e.split === split);
  for (const example of subset) {
    const flagged = detector.detect(example.text, example.source).label === 'injection';
    if (flagged && example.label === 'injection') tp += 1;
    else if (flagged) fp += 1;
    else if (example.label === 'injection') fn += 1;
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  console.log(
    `| ${split} | ${subset.length} | ${precision.toFixed(3)} | ${recall.toFixed(3)} | ${percentile(latencies[split], 0.5).toFixed(0)} | ${percentile(latencies[split], 0.99).toFixed(0)} |`,
  );
}
