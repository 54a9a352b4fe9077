import type { AuditRecord } from '../contracts/index.ts';
import { canonicalJson, sha256Hex } from '../core/index.ts';

/** `prev_hash` of a tenant's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a record says, without its place in the chain: the fields `content_hash` covers. */
export type AuditContent = Omit<AuditRecord, 'seq' | 'content_hash' | 'prev_hash' | 'hash'>;

const CONTENT_FIELDS = [
  'id',
  'tenant_id',
  'time',
  'actor_type',
  'actor',
  'run_id',
  'trace_id',
  'user_id',
  'action',
  'tool',
  'decision',
  'rule',
  'input',
  'output',
  'metadata',
] as const satisfies readonly (keyof AuditContent)[];

/** The content fields of a record (or of a whole stored record), in canonical form. */
export function auditContentOf(record: AuditContent): AuditContent {
  return Object.fromEntries(CONTENT_FIELDS.map((field) => [field, record[field] ?? null])) as AuditContent;
}

/**
 * `content_hash = sha256_hex(canonical_json(content))`: object keys sorted at every depth, no
 * whitespace, absent values as null, `time` as an RFC 3339 UTC string with milliseconds.
 */
export function auditContentHash(record: AuditContent): string {
  return sha256Hex(canonicalJson(auditContentOf(record)));
}

/**
 * `hash = sha256_hex(prev_hash || content_hash)`: the two 64-character lowercase hex strings
 * concatenated as ASCII text. The store computes the same in SQL
 * (`encode(sha256(convert_to(prev_hash || content_hash, 'UTF8')), 'hex')`).
 */
export function chainHash(prevHash: string, contentHash: string): string {
  return sha256Hex(prevHash + contentHash);
}
