/**
 * Accuracy of the month-spend forecast (`GET /api/v1/usage` → forecast; src/telemetry/forecast.ts)
 * on synthetic daily cost series, against a naive anchor. Each series: a base spend, a linear trend (−30 % to +60 % a year), weekly
 * seasonality (weekends at 30–70 % of weekdays), multiplicative noise (σ 10–25 %) and, in a share
 * of the series, a one-off spike day. The forecast is made at noon on days 5, 10, 15, 20 and 25
 * of each month (today half spent); the error is |forecast − actual month total| / actual.
 * Accuracy = 1 − mean error (the seed asks for > 90 %). The anchor is the month-to-date pace
 * (spent so far / days elapsed × days in the month), what one would work out by hand.
 *
 * Usage: npx tsx bench/forecast.ts [--series=200] [--months=12]
 */
import { forecastMonth } from '../src/telemetry/index.ts';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const SERIES = arg('series', 200);
const MONTHS = arg('months', 12);
const DAY_MS = 86_400_000;
const day = (time: number) => new Date(time).toISOString().slice(0, 10);

/** Seeded PRNG (mulberry32), so runs are repeatable. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

function series(seed: number, start: number, days: number): Map<string, number> {
  const next = random(seed);
  const base = 5 + next() * 200;
  const yearlyTrend = -0.3 + next() * 0.9;
  const weekend = 0.3 + next() * 0.4;
  const noise = 0.1 + next() * 0.15;
  const spiky = next() < 0.3;
  const costs = new Map<string, number>();
  for (let i = 0; i < days; i += 1) {
    const time = start + i * DAY_MS;
    const weekday = new Date(time).getUTCDay();
    let cost = base * (1 + (yearlyTrend * i) / 365) * (weekday === 0 || weekday === 6 ? weekend : 1);
    cost *= Math.max(0.05, 1 + noise * gaussian(next));
    if (spiky && next() < 0.01) cost *= 4;
    costs.set(day(time), Math.max(0, cost));
  }
  return costs;
}

/** The anchor: the month-to-date pace, spent so far / days elapsed × days in the month. */
function naive(daily: Map<string, number>, today: Date): number {
  const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1);
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1);
  const todayStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  let spent = 0;
  for (let t = start; t <= todayStart; t += DAY_MS) spent += daily.get(day(t)) ?? 0;
  const elapsed = (today.getTime() - start) / DAY_MS;
  return (spent / elapsed) * ((end - start) / DAY_MS);
}

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

const origin = Date.UTC(2025, 0, 1);
const errors = new Map<number, { ours: number[]; naive: number[] }>();
for (let s = 0; s < SERIES; s += 1) {
  const daily = series(1000 + s, origin, (MONTHS + 3) * 31);
  for (let m = 2; m < MONTHS + 2; m += 1) {
    const monthStart = Date.UTC(2025, m, 1);
    const monthEnd = Date.UTC(2025, m + 1, 1);
    let actual = 0;
    for (let t = monthStart; t < monthEnd; t += DAY_MS) actual += daily.get(day(t)) ?? 0;
    for (const dayOfMonth of [5, 10, 15, 20, 25]) {
      // Midday: today is part spent; the forecast sees today's cost so far as the day's whole.
      const today = new Date(Date.UTC(2025, m, dayOfMonth, 12));
      const partial = new Map(daily);
      const todayKey = day(today.getTime());
      partial.set(todayKey, (daily.get(todayKey) ?? 0) / 2);
      for (let t = Date.UTC(2025, m, dayOfMonth + 1); t < monthEnd + 31 * DAY_MS; t += DAY_MS)
        partial.delete(day(t));
      const ours = forecastMonth(partial, today).forecastUsd;
      const anchor = naive(partial, today);
      const entry = errors.get(dayOfMonth) ?? { ours: [], naive: [] };
      entry.ours.push(Math.abs(ours - actual) / actual);
      entry.naive.push(Math.abs(anchor - actual) / actual);
      errors.set(dayOfMonth, entry);
    }
  }
}

console.log(
  `\n${SERIES} synthetic series × ${MONTHS} months; error = |forecast − actual| / actual of the month total\n`,
);
console.log(
  '| forecast made on day | mean error | p50 | p90 | accuracy | naive mean error | naive accuracy |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const all: number[] = [];
const allNaive: number[] = [];
for (const [dayOfMonth, entry] of errors) {
  const mean = entry.ours.reduce((a, b) => a + b, 0) / entry.ours.length;
  const naiveMean = entry.naive.reduce((a, b) => a + b, 0) / entry.naive.length;
  all.push(...entry.ours);
  allNaive.push(...entry.naive);
  console.log(
    `| ${dayOfMonth} | ${(mean * 100).toFixed(1)} % | ${(percentile(entry.ours, 0.5) * 100).toFixed(1)} % | ${(percentile(entry.ours, 0.9) * 100).toFixed(1)} % | ${((1 - mean) * 100).toFixed(1)} % | ${(naiveMean * 100).toFixed(1)} % | ${((1 - naiveMean) * 100).toFixed(1)} % |`,
  );
}
const mean = all.reduce((a, b) => a + b, 0) / all.length;
const naiveMean = allNaive.reduce((a, b) => a + b, 0) / allNaive.length;
console.log(
  `\nall: mean error ${(mean * 100).toFixed(1)} % (accuracy ${((1 - mean) * 100).toFixed(1)} %, target > 90 %); p90 ${(percentile(all, 0.9) * 100).toFixed(1)} %; naive anchor ${(naiveMean * 100).toFixed(1)} % (ratio ${(mean / naiveMean).toFixed(2)}x)`,
);
