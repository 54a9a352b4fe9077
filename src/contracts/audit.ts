import { z } from 'zod';
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, TimestampSchema } from './common.ts';

/**
 * The audit log: append-only, hash-chained per tenant. Fields are snake_case like runs. How the
 * hashes are computed is documented in docs/audit.md, so an outside auditor can re-verify an export.
 */

export const AUDIT_ACTIONS = [
  'tool_call',
  'llm_invoke',
  // The model gateway's routing of a run's model call (backend, cost, cache); the run's own
  // governance writes the call's llm_invoke, so tokens are counted once.
  'llm_route',
  'approval_request',
  'approval_grant',
  'approval_reject',
  'policy_decision',
  'guard_detection',
  'admin_change',
  // A command run in a sandbox (the command, its outcome and exit code; output is not kept).
  'sandbox_exec',
  // A sandbox's attempt to reach the network through the egress proxy, allowed or denied.
  'sandbox_egress',
  // Feedback on a run given, replaced or withdrawn by a principal (the correction masked).
  'feedback',
  // A trigger's fire: a webhook delivery (accepted or refused) or a schedule tick, with its run.
  'trigger_fire',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who acted: a principal (user or service account), an agent (a run), or the platform itself. */
export const AUDIT_ACTOR_TYPES = ['principal', 'agent', 'system'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/** Why `verify` stopped at a record. */
export const AUDIT_BREAK_REASONS = [
  'content_hash_mismatch',
  'prev_hash_mismatch',
  'hash_mismatch',
  'seq_gap',
  'head_mismatch',
] as const;
export type AuditBreakReason = (typeof AUDIT_BREAK_REASONS)[number];

export const AuditMetadataSchema = z
  .looseObject({
    input_tokens: z.number().int().optional(),
    output_tokens: z.number().int().optional(),
    latency_ms: z.number().optional(),
    cost_usd: z.number().optional(),
  })
  .describe('Tokens, latency, cost and anything else the caller recorded (masked)');

export const AuditRecordSchema = z.strictObject({
  id: z.string(),
  tenant_id: z.string(),
  seq: z.number().int().min(1).describe("Position in the tenant's chain, 1, 2, 3, ... without gaps"),
  time: TimestampSchema,
  actor_type: z.enum(AUDIT_ACTOR_TYPES),
  actor: z.string(),
  run_id: z.string().nullable(),
  trace_id: z.string().nullable(),
  user_id: z.string().nullable(),
  action: z.enum(AUDIT_ACTIONS),
  tool: z.string().nullable().describe('Tool or model name'),
  decision: z.string().nullable(),
  rule: z.string().nullable(),
  input: z.unknown().describe('Masked before it was written'),
  output: z.unknown().describe('Masked before it was written'),
  metadata: z.record(z.string(), z.unknown()),
  content_hash: z.string().describe('SHA-256 (hex) of the canonical JSON of the content fields'),
  prev_hash: z.string().describe('hash of the previous record; 64 zeros for seq 1'),
  hash: z.string().describe('SHA-256 (hex) of prev_hash || content_hash'),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

const filterFields = {
  run: z.string().min(1).max(128).optional().describe('Only records of this run id'),
  actor: z.string().min(1).max(256).optional().describe('Only records of this actor'),
  action: z.enum(AUDIT_ACTIONS).optional(),
  tool: z.string().min(1).max(256).optional().describe('Only records of this tool or model'),
  from: TimestampSchema.optional().describe('Records at or after this time'),
  to: TimestampSchema.optional().describe('Records before this time'),
};

export const AuditExportQuerySchema = z.object(filterFields);
export type AuditFilterQuery = z.infer<typeof AuditExportQuerySchema>;

export const AuditQuerySchema = z.object({
  ...filterFields,
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(PAGE_LIMIT_DEFAULT),
  cursor: z.string().max(512).optional(),
});

export const AuditVerificationSchema = z.strictObject({
  ok: z.boolean(),
  records: z.number().int().describe('Records checked'),
  head: z
    .strictObject({ seq: z.number().int(), hash: z.string() })
    .nullable()
    .describe('The chain head as verified; null for an empty log'),
  first_broken: z
    .strictObject({
      seq: z.number().int(),
      id: z.string().nullable().describe('null when the record is missing'),
      reason: z.enum(AUDIT_BREAK_REASONS),
    })
    .optional()
    .describe('The first record that does not verify'),
});
export type AuditVerification = z.infer<typeof AuditVerificationSchema>;

export const AUDIT_EXPORT_CONTENT_TYPE = 'application/x-ndjson';
