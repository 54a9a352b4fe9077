export { FORECAST_METHOD, forecastMonth, type MonthForecast } from './forecast.ts';
export { CACHE_LEVELS, GatewayMetrics, type ModelCallSample } from './gateway-metrics.ts';
export { type MetricSources, PlatformMetrics } from './platform-metrics.ts';
export { StoreSpanExporter, toSpanRecord } from './store-exporter.ts';
export { Tracing, type TracingOptions } from './tracing.ts';
export { UsageMeter, usageOf } from './usage-meter.ts';
