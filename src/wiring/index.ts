export { type GovernanceWiring, wireGovernance } from './governance.ts';
export { createLogger } from './logger.ts';
