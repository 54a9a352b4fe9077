import type { z } from 'zod';
import type { Approval, ApprovalDecisionKind, ApprovalListQuerySchema } from '../contracts/index.ts';
import { AppError, type Clock, decodeCursor, encodeCursor, IdCursorSchema, notFound } from '../core/index.ts';
import type { ApprovalChange, ApprovalRecord, ApprovalStore } from './approval-ports.ts';
import type { ApprovalNotifier } from './governed-run.ts';

/** Who is deciding: the authenticated caller, in their tenant. */
export interface Approver {
  tenantId: string;
  principal: string;
  roles: readonly string[];
  groups: readonly string[];
}

/** Whether `who` is one of the approvers an approval names (role:, group:, principal:). */
export function mayDecide(approvers: readonly string[], who: Approver): boolean {
  return approvers.some((entry) => {
    const [kind, name] = [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)];
    if (kind === 'role') return who.roles.includes(name);
    if (kind === 'group') return who.groups.includes(name);
    if (kind === 'principal') return who.principal === name;
    return false;
  });
}

export function toApprovalResource(a: ApprovalRecord): Approval {
  return {
    id: a.id,
    run_id: a.runId,
    step: a.stepKey,
    kind: a.kind,
    status: a.status,
    tool: a.tool,
    arguments: a.arguments,
    call_hash: a.callHash,
    reason: a.reason,
    rules: a.rules,
    approvers: a.approvers,
    min_approvals: a.minApprovals,
    on_timeout: a.onTimeout,
    decisions: a.decisions.map((d) => ({
      by: d.by,
      decision: d.decision,
      ...(d.comment ? { comment: d.comment } : {}),
      at: d.at.toISOString(),
    })),
    expires_at: a.expiresAt.toISOString(),
    decided_at: a.decidedAt?.toISOString() ?? null,
    created_at: a.createdAt.toISOString(),
  };
}

/** How a final approval resumes its run: in-doubt calls retry or skip, gated calls approve or reject. */
function resumeAction(approval: ApprovalRecord, approved: boolean) {
  if (approval.kind === 'in_doubt') return approved ? 'retry' : 'skip';
  return approved ? 'approve' : 'reject';
}

/** Human decisions a run waits for: list, decide (with four-eyes), expire. */
export class ApprovalService {
  constructor(
    private readonly store: ApprovalStore,
    private readonly clock: Clock,
    private readonly notifier?: ApprovalNotifier,
    private readonly onDecided?: (approval: ApprovalRecord, by: string) => Promise<void>,
  ) {}

  async list(
    tenantId: string,
    query: z.output<typeof ApprovalListQuerySchema>,
  ): Promise<{ items: Approval[]; nextCursor: string | null }> {
    const after = decodeCursor(query.cursor, IdCursorSchema)?.id;
    const rows = await this.store.list(
      tenantId,
      { status: query.status, runId: query.run },
      { limit: query.limit + 1, ...(after ? { afterId: after } : {}) },
    );
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items: items.map(toApprovalResource),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ id: last.id }) : null,
    };
  }

  async get(tenantId: string, id: string): Promise<Approval> {
    const found = await this.store.get(tenantId, id);
    if (!found) throw notFound('approval', id);
    return toApprovalResource(found);
  }

  /**
   * Records one person's decision. Only a listed approver may decide (PERMISSION_DENIED); a final
   * approval, or a second decision by the same person, is a CONFLICT. A rejection is final at
   * once; approvals count distinct approvers up to `min_approvals`.
   */
  async decide(
    who: Approver,
    id: string,
    decision: ApprovalDecisionKind,
    comment?: string,
  ): Promise<Approval> {
    const at = this.clock.now();
    const updated = await this.store.update(who.tenantId, id, (current): ApprovalChange => {
      if (current.status !== 'pending') {
        throw new AppError('CONFLICT', `approval ${id} is already ${current.status}; a decision is final`);
      }
      if (!mayDecide(current.approvers, who)) {
        throw new AppError(
          'PERMISSION_DENIED',
          `only ${current.approvers.join(', ')} may decide approval ${id}`,
        );
      }
      if (current.decisions.some((d) => d.by === who.principal)) {
        throw new AppError(
          'CONFLICT',
          `${who.principal} already decided approval ${id}; another approver must add the next decision`,
        );
      }
      const decisions = [...current.decisions, { by: who.principal, decision, comment, at }];
      const approvals = decisions.filter((d) => d.decision === 'approve').length;
      const status =
        decision === 'reject' ? 'rejected' : approvals >= current.minApprovals ? 'approved' : 'pending';
      return {
        status,
        decisions,
        ...(status !== 'pending'
          ? { resume: { action: resumeAction(current, status === 'approved'), by: who.principal, comment } }
          : {}),
      };
    });
    if (updated.status !== 'pending') {
      this.notifier?.notify('approval.decided', updated);
      await this.onDecided?.(updated, who.principal);
    }
    return toApprovalResource(updated);
  }

  /** Expires what is past its time and resumes those runs per `on_timeout`. Returns how many. */
  async expireDue(limit = 100): Promise<number> {
    const due = await this.store.due(this.clock.now(), limit);
    let expired = 0;
    for (const { tenantId, id } of due) {
      const updated = await this.store.update(tenantId, id, (current): ApprovalChange => {
        if (current.status !== 'pending') return { status: current.status, decisions: current.decisions };
        return {
          status: 'expired',
          decisions: current.decisions,
          resume: { action: resumeAction(current, current.onTimeout === 'approve'), by: 'system:timeout' },
        };
      });
      if (updated.status === 'expired') {
        expired += 1;
        this.notifier?.notify('approval.decided', updated);
        await this.onDecided?.(updated, 'system:timeout');
      }
    }
    return expired;
  }
}
