export { SqlApprovalStore } from './approval-repository.ts';
export { SqlAuditStore } from './audit-repository.ts';
export type { Cache } from './cache/cache.ts';
export { MemoryCache, type MemoryCacheOptions } from './cache/memory-cache.ts';
export { RedisCache, type RedisCacheOptions } from './cache/redis-cache.ts';
export {
  DATABASE_KINDS,
  type Database,
  type DatabaseKind,
  type DatabaseOptions,
  openDatabase,
} from './database.ts';
export { SqlFeedbackStore } from './feedback-repository.ts';
export { SqlCredentialLookup, SqlIdentityTransactions, SqlTenantStore } from './identity-repositories.ts';
export { SqlIngestJobStore } from './knowledge-job-repository.ts';
export { SqlKnowledgeStore } from './knowledge-repository.ts';
export type {
  BudgetLedger,
  BudgetLine,
  BudgetUsage,
  Reservation,
  ReserveResult,
} from './limits/budget-ledger.ts';
export { MemoryBudgetLedger, type MemoryBudgetLedgerOptions } from './limits/memory-budget-ledger.ts';
export { MemoryRateLimiter, type MemoryRateLimiterOptions } from './limits/memory-rate-limiter.ts';
export { type RateDecision, type RateLimiter, type RateRule, RETRY_NEVER } from './limits/rate-limiter.ts';
export { RedisBudgetLedger, type RedisBudgetLedgerOptions } from './limits/redis-budget-ledger.ts';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './limits/redis-rate-limiter.ts';
export type { LimitsRedisClient, RedisLimitsConnectOptions } from './limits/redis-scripts.ts';
export { SqlLineageStore } from './lineage-repository.ts';
export { migrateToLatest, pendingMigrations } from './migrate.ts';
export { SqlRegistryTransactions } from './registry-transactions.ts';
export { SqlRunQueue } from './run-queue.ts';
export { SqlRunStore } from './run-repository.ts';
export { channelsFor, DatabaseSignals } from './run-signals.ts';
export { type DB, TENANT_ROLE, TENANT_TABLES } from './schema.ts';
export { SqlSecretStore } from './secret-repository.ts';
export { cosine, type SemanticMatch, SqlSemanticCache } from './semantic-cache-repository.ts';
export { inTenantTransaction, type Tx } from './tenant-scope.ts';
export { SqlTraceStore, type StoredSpan } from './trace-repository.ts';
export { SqlScheduleStore } from './trigger-schedule-repository.ts';
export {
  SqlUsageStore,
  type UsageDimension,
  type UsageEntry,
  type UsageTotals,
} from './usage-repository.ts';
