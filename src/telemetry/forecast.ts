/** How a month's spend is forecast (reported with the forecast). */
export const FORECAST_METHOD =
  'month to date + days left × (linear trend of the trailing daily cost × its weekday factor)';

export interface MonthForecast {
  month: string;
  monthToDateUsd: number;
  forecastUsd: number;
  method: string;
  trailingDays: number;
}

const DAY_MS = 86_400_000;
const dayKey = (time: number) => new Date(time).toISOString().slice(0, 10);

/**
 * Forecasts the spend of `today`'s calendar month (UTC) from daily costs (YYYY-MM-DD → USD; a
 * missing day cost nothing): what was spent so far this month (today included), plus, for each
 * day after today, a linear trend fitted (least squares) to the `trailingDays` full days before
 * today, times that weekday's share of the trailing spend (weekly seasonality). A tenant with no
 * spend in the trailing window yet is projected at today's rate. The error on a synthetic series
 * is measured in bench/forecast.ts.
 */
export function forecastMonth(
  daily: ReadonlyMap<string, number>,
  today: Date,
  trailingDays = 28,
): MonthForecast {
  const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1);
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1);
  const todayStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  let monthToDate = 0;
  for (let day = start; day <= todayStart; day += DAY_MS) monthToDate += daily.get(dayKey(day)) ?? 0;
  const todayCost = daily.get(dayKey(todayStart)) ?? 0;

  // Trailing window: the `trailingDays` full days before today.
  const xs: number[] = [];
  const ys: number[] = [];
  const weekdaySum = new Array<number>(7).fill(0);
  const weekdayCount = new Array<number>(7).fill(0);
  for (let i = trailingDays; i >= 1; i -= 1) {
    const day = todayStart - i * DAY_MS;
    const cost = daily.get(dayKey(day)) ?? 0;
    xs.push(-i);
    ys.push(cost);
    const weekday = new Date(day).getUTCDay();
    weekdaySum[weekday] = (weekdaySum[weekday] ?? 0) + cost;
    weekdayCount[weekday] = (weekdayCount[weekday] ?? 0) + 1;
  }
  const n = xs.length;
  const meanX = xs.reduce((s, x) => s + x, 0) / n;
  const meanY = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i += 1) {
    sxy += ((xs[i] as number) - meanX) * ((ys[i] as number) - meanY);
    sxx += ((xs[i] as number) - meanX) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = meanY - slope * meanX;
  const seasonal = trailingDays >= 14 && meanY > 0;

  let rest = 0;
  for (let day = todayStart + DAY_MS, t = 1; day < end; day += DAY_MS, t += 1) {
    if (meanY === 0) {
      rest += todayCost;
      continue;
    }
    const weekday = new Date(day).getUTCDay();
    const factor = seasonal
      ? (weekdaySum[weekday] ?? 0) / Math.max(1, weekdayCount[weekday] ?? 0) / meanY
      : 1;
    rest += Math.max(0, intercept + slope * t) * factor;
  }
  const round = (usd: number) => Math.round(usd * 1e6) / 1e6;
  return {
    month: new Date(start).toISOString().slice(0, 7),
    monthToDateUsd: round(monthToDate),
    forecastUsd: round(monthToDate + rest),
    method: FORECAST_METHOD,
    trailingDays,
  };
}
