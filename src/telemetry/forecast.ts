/** How a month's spend is forecast (reported with the forecast). */
export const FORECAST_METHOD = 'month to date + days left × mean daily cost of the trailing 28 days';

export interface MonthForecast {
  month: string;
  monthToDateUsd: number;
  forecastUsd: number;
  method: string;
  trailingDays: number;
}

const DAY_MS = 86_400_000;
const TRAILING_DAYS = 28;
const dayKey = (time: number) => new Date(time).toISOString().slice(0, 10);

/**
 * Forecasts the spend of `today`'s calendar month (UTC) from daily costs (YYYY-MM-DD → USD; a
 * missing day cost nothing): what was spent so far this month (today included), plus, for each
 * day after today, the mean daily cost of the 28 full days before today (or of the days since
 * its first spend, for a tenant newer than that). Four whole weeks, so quiet weekends neither pull
 * the rate down nor up whatever the day; a tenant with no spend before today is projected at
 * today's rate. Fitting a trend or weekday factors on top made
 * it worse on the synthetic series of bench/forecast.ts, which measures the error (3–5 %).
 */
export function forecastMonth(daily: ReadonlyMap<string, number>, today: Date): MonthForecast {
  const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1);
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1);
  const todayStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  let monthToDate = 0;
  for (let day = start; day <= todayStart; day += DAY_MS) monthToDate += daily.get(dayKey(day)) ?? 0;
  let trailing = 0;
  // Days since the first spend of the window: a tenant that started last week is not averaged
  // over four weeks it did not exist (three weeks or less counts as new).
  let spendingDays = 0;
  for (let i = 1; i <= TRAILING_DAYS; i += 1) {
    const cost = daily.get(dayKey(todayStart - i * DAY_MS)) ?? 0;
    trailing += cost;
    if (cost > 0) spendingDays = i;
  }
  // Within a week of the window's start it is an established tenant with a quiet weekend or two.
  const days = spendingDays > TRAILING_DAYS - 7 ? TRAILING_DAYS : spendingDays;
  const rate = trailing > 0 ? trailing / days : (daily.get(dayKey(todayStart)) ?? 0);
  const daysLeft = Math.round((end - todayStart) / DAY_MS) - 1;
  const round = (usd: number) => Math.round(usd * 1e6) / 1e6;
  return {
    month: new Date(start).toISOString().slice(0, 7),
    monthToDateUsd: round(monthToDate),
    forecastUsd: round(monthToDate + daysLeft * rate),
    method: FORECAST_METHOD,
    trailingDays: TRAILING_DAYS,
  };
}
