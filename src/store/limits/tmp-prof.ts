import { MemoryBudgetLedger } from './memory-budget-ledger.ts';

const DAY_END = Date.now() + 86_400_000;
const ledger = new MemoryBudgetLedger();
const linesFor = (i: number) => [
  { key: `tenant:${i % 10}:day`, limit: Number.MAX_SAFE_INTEGER, resetAt: DAY_END },
  { key: `principal:${i % 100}:day`, limit: Number.MAX_SAFE_INTEGER, resetAt: DAY_END },
  { key: `agent:${i % 200}:day`, limit: Number.MAX_SAFE_INTEGER, resetAt: DAY_END },
  { key: `run:${i % 1000}`, limit: Number.MAX_SAFE_INTEGER, resetAt: Number.POSITIVE_INFINITY },
];
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  for (let i = 0; i < 200000; i++) {
    const r = await ledger.reserve(linesFor(i), 1000);
    if (r.ok) await ledger.settle(r.reservation, 800);
  }
  console.log('pair µs', ((performance.now() - t) * 1000) / 200000, ledger.size);
}
