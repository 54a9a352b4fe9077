export {
  type AuditEntry,
  AuditLog,
  type AuditLogOptions,
  type AuditMask,
  MAX_AUDIT_BATCH,
} from './audit-log.ts';
export { type AuditContent, auditContentHash, chainHash, GENESIS_HASH } from './chain.ts';
export type { AuditFilter, AuditPosition, AuditStore, ChainHead, PreparedAuditRecord } from './ports.ts';
