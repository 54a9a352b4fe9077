export {
  type Attempt,
  BackendHealth,
  type BackendHealthOptions,
  type BackendHealthRecord,
} from './backend-health.ts';
export {
  type BreakerConfig,
  breakerConfigOf,
  CIRCUIT_STATES,
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  DEFAULT_BREAKER_CONFIG,
} from './circuit-breaker.ts';
export {
  earliestRetryMs,
  expandTargets,
  type PlanOptions,
  pinTarget,
  planRoute,
  type RouteHealth,
  type RouteTarget,
} from './route-planner.ts';
