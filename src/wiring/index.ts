export { wireCredentials } from './credentials.ts';
export { type GatewayWiring, wireGateway } from './gateway.ts';
export { type GovernanceWiring, wireGovernance } from './governance.ts';
export { createLogger } from './logger.ts';
export { checkPolicySpec } from './policy-check.ts';
export { PseudonymizingModelClient } from './pseudonymizing-model-client.ts';
export { readinessCheck } from './readiness.ts';
export { wireRuns } from './runs.ts';
