import {
  AuditExportQuerySchema,
  AuditQuerySchema,
  AuditRecordSchema,
  AuditVerificationSchema,
} from './audit.ts';
import { pageSchema } from './common.ts';
import { defineRoute } from './route.ts';

export const auditRoutes = {
  listAuditRecords: defineRoute({
    operationId: 'listAuditRecords',
    method: 'get',
    path: '/api/v1/audit',
    tag: 'audit',
    summary: 'Query the audit log, newest first',
    description:
      'Filters combine with AND: `run`, `actor`, `action`, `tool`, and the time range `from` (inclusive) ' +
      '`to` (exclusive). Input, output and metadata were masked before they were written.',
    permission: 'audit:read',
    query: AuditQuerySchema,
    success: { status: 200, description: 'A page of audit records', schema: pageSchema(AuditRecordSchema) },
  }),
  exportAuditRecords: defineRoute({
    operationId: 'exportAuditRecords',
    method: 'get',
    path: '/api/v1/audit/export',
    tag: 'audit',
    summary: 'Export the audit log as JSON Lines (application/x-ndjson), newest first, streamed',
    description:
      'One AuditRecord JSON object per line, with the same filters as listAuditRecords and no page limit.',
    permission: 'audit:read',
    query: AuditExportQuerySchema,
    success: { status: 200, description: 'application/x-ndjson: one AuditRecord per line' },
  }),
  verifyAuditLog: defineRoute({
    operationId: 'verifyAuditLog',
    method: 'get',
    path: '/api/v1/audit:verify',
    tag: 'audit',
    summary: "Walk the tenant's hash chain and report the first record that does not verify",
    description:
      'Recomputes every content hash and chain link in seq order, checks seq has no gaps and that the ' +
      'chain ends at the stored head. `ok: false` names the first broken record.',
    permission: 'audit:read',
    success: { status: 200, description: 'The verification result', schema: AuditVerificationSchema },
  }),
} as const;
