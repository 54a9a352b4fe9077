export { CACHE_LEVELS, GatewayMetrics, type ModelCallSample } from './gateway-metrics.ts';
