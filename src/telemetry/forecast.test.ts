import { describe, expect, it } from 'vitest';
import { forecastMonth } from './forecast.ts';

const days = (from: string, count: number, cost: (i: number) => number) => {
  const start = Date.parse(`${from}T00:00:00Z`);
  return new Map(
    Array.from({ length: count }, (_, i) => [
      new Date(start + i * 86_400_000).toISOString().slice(0, 10),
      cost(i),
    ]),
  );
};

describe('forecastMonth', () => {
  it('adds the trailing 28-day mean for each day after today to what the month has spent', () => {
    // 2 USD a day from 1 Nov through today, 10 Dec (today spent 1 so far).
    const daily = days('2026-11-01', 40, () => 2);
    daily.set('2026-12-10', 1);
    const forecast = forecastMonth(daily, new Date('2026-12-10T12:00:00Z'));
    expect(forecast.month).toBe('2026-12');
    expect(forecast.monthToDateUsd).toBe(9 * 2 + 1);
    expect(forecast.forecastUsd).toBe(19 + 21 * 2);
  });

  it('does not let weekends skew the rate: four whole weeks of weekday-only spend', () => {
    // 7 USD on weekdays, nothing at weekends: 5 USD a day on average.
    const daily = days('2026-10-01', 70, (i) => {
      const weekday = new Date(Date.parse('2026-10-01T00:00:00Z') + i * 86_400_000).getUTCDay();
      return weekday === 0 || weekday === 6 ? 0 : 7;
    });
    const today = new Date('2026-12-06T09:00:00Z'); // a Sunday
    const forecast = forecastMonth(daily, today);
    expect(forecast.forecastUsd - forecast.monthToDateUsd).toBeCloseTo(25 * 5, 6);
  });

  it('projects a tenant without history at today’s rate, and an idle one at zero', () => {
    const fresh = forecastMonth(new Map([['2026-02-03', 0.5]]), new Date('2026-02-03T18:00:00Z'));
    expect(fresh).toMatchObject({ monthToDateUsd: 0.5, forecastUsd: 0.5 + 25 * 0.5 });
    expect(forecastMonth(new Map(), new Date('2026-02-03T18:00:00Z')).forecastUsd).toBe(0);
  });

  it('averages a tenant newer than four weeks over the days since its first spend', () => {
    // 100 USD a day for the three days before today, nothing before.
    const daily = days('2026-12-07', 3, () => 100);
    const forecast = forecastMonth(daily, new Date('2026-12-10T08:00:00Z'));
    expect(forecast.forecastUsd - forecast.monthToDateUsd).toBeCloseTo(21 * 100, 6);
  });

  it('forecasts the last day of a month as what it has spent', () => {
    const daily = days('2026-12-01', 31, () => 3);
    expect(forecastMonth(daily, new Date('2026-12-31T23:00:00Z')).forecastUsd).toBe(93);
  });
});
