import { z } from 'zod';
import { TimestampSchema } from './common.ts';
import { defineRoute } from './route.ts';

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/**
 * gate: a policy's approval gate matched the call; taint: a destructive tool in a run whose
 * context holds flagged untrusted content; in_doubt: a crash left a non-idempotent call unknown
 * (approve = run it again, reject = skip it); node: a workflow `approval` node.
 */
export const APPROVAL_KINDS = ['gate', 'taint', 'in_doubt', 'node'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

export const APPROVAL_DECISIONS = ['approve', 'reject'] as const;
export type ApprovalDecisionKind = (typeof APPROVAL_DECISIONS)[number];

export const ApprovalSchema = z.strictObject({
  id: z.string(),
  run_id: z
    .string()
    .nullable()
    .describe('The run that waits; null for a direct tool call (REST :invoke or the MCP gateway)'),
  step: z
    .string()
    .describe('The step of the run the decision is about; for a direct call, direct:PRINCIPAL who asked'),
  kind: z.enum(APPROVAL_KINDS),
  status: z.enum(APPROVAL_STATUSES),
  tool: z.string(),
  arguments: z.unknown().describe('The call to approve, PII masked'),
  call_hash: z
    .string()
    .describe('SHA-256 of the tool name and exact arguments: the call that runs is the call approved'),
  reason: z.string().describe('Why a person must decide'),
  rules: z.array(z.string()).describe('The policy rules that asked for this approval'),
  approvers: z.array(z.string()).describe('Who may decide: role:NAME, group:NAME or principal:NAME'),
  min_approvals: z.number().int().describe('Distinct approvals needed (2: four eyes)'),
  on_timeout: z.enum(['reject', 'approve']),
  decisions: z.array(
    z.strictObject({
      by: z.string(),
      decision: z.enum(APPROVAL_DECISIONS),
      comment: z.string().optional(),
      at: TimestampSchema,
    }),
  ),
  expires_at: TimestampSchema,
  decided_at: TimestampSchema.nullable(),
  created_at: TimestampSchema,
});
export type Approval = z.infer<typeof ApprovalSchema>;

export const ApprovalListQuerySchema = z.object({
  status: z.enum(APPROVAL_STATUSES).optional(),
  run: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
});

export const ApprovalDecideSchema = z.strictObject({
  comment: z.string().max(4096).optional(),
});

const ApprovalParams = z.object({ id: z.string().min(1).max(64) });

export const approvalRoutes = {
  listApprovals: defineRoute({
    operationId: 'listApprovals',
    method: 'get',
    path: '/api/v1/approvals',
    tag: 'approvals',
    summary: 'List approvals, newest first (status=pending: what waits for a person)',
    permission: 'runs:read',
    query: ApprovalListQuerySchema,
    success: {
      status: 200,
      description: 'A page of approvals',
      schema: z.strictObject({ items: z.array(ApprovalSchema), nextCursor: z.string().nullable() }),
    },
  }),
  getApproval: defineRoute({
    operationId: 'getApproval',
    method: 'get',
    path: '/api/v1/approvals/{id}',
    tag: 'approvals',
    summary: 'Get an approval',
    permission: 'runs:read',
    params: ApprovalParams,
    success: { status: 200, description: 'The approval', schema: ApprovalSchema },
  }),
  approveApproval: defineRoute({
    operationId: 'approveApproval',
    method: 'post',
    path: '/api/v1/approvals/{id}:approve',
    tag: 'approvals',
    summary: 'Approve: only a listed approver may (403 otherwise); a decided approval is final (409)',
    description:
      'With min_approvals 2 or more, each distinct approver adds one approval until enough are in; the ' +
      'run then resumes and runs exactly the approved call.',
    permission: 'runs:read',
    params: ApprovalParams,
    body: ApprovalDecideSchema,
    success: { status: 200, description: 'The approval after the decision', schema: ApprovalSchema },
  }),
  rejectApproval: defineRoute({
    operationId: 'rejectApproval',
    method: 'post',
    path: '/api/v1/approvals/{id}:reject',
    tag: 'approvals',
    summary: 'Reject: the run ends failed with reason rejected (an in-doubt call is skipped instead)',
    permission: 'runs:read',
    params: ApprovalParams,
    body: ApprovalDecideSchema,
    success: { status: 200, description: 'The approval after the decision', schema: ApprovalSchema },
  }),
} as const;
