import { sql } from 'kysely';
import { AppError } from '../core/index.ts';
import { assertRunTransition, type Resolution } from '../orchestrator/index.ts';
import { writeJson } from './json-columns.ts';
import { appendUnfencedEvent } from './run-events-sql.ts';
import { type Channels, notify } from './run-signals.ts';
import type { Tx } from './tenant-scope.ts';

/**
 * paused → running with the operator's resolution, the paused time added back to the deadline,
 * `run_resumed`, and a wake-up for workers. The caller holds the run's row lock and has checked
 * it is paused.
 */
export async function resumePausedRun(
  trx: Tx,
  channels: Channels,
  tenantId: string,
  runId: string,
  resolution: Resolution,
) {
  assertRunTransition('paused', 'running');
  const row = await trx
    .updateTable('runs')
    .set({
      status: 'running',
      status_reason: null,
      resolution: writeJson(resolution),
      deadline_at: sql`deadline_at + (now() - coalesce(paused_at, now()))`,
      paused_at: null,
      wake_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', runId)
    .where('status', '=', 'paused')
    .returningAll()
    .executeTakeFirst();
  if (!row) return undefined;
  await appendUnfencedEvent(trx, channels, tenantId, runId, {
    type: 'run_resumed',
    data: {
      action: resolution.action,
      by: resolution.by,
      ...(resolution.comment ? { comment: resolution.comment } : {}),
    },
  });
  await notify(trx, channels.ready, '');
  return row;
}

/** Who `runs:resolve` may stand in for: approvals the holders of that permission could decide anyway. */
const RESOLVERS = ['role:approver', 'role:operator', 'role:admin'];

/**
 * `POST /runs/{id}:resolve` may decide a call in doubt, or a workflow approval node that names no
 * approvers of its own (and needs one decision); anything else (policy gates, taint, nodes with
 * `approvers` or four eyes) is decided only through the approvals API.
 */
function mayResolveHere(approval: { kind: string; approvers: unknown; min_approvals: number }): boolean {
  if (approval.kind === 'in_doubt') return true;
  const approvers = Array.isArray(approval.approvers) ? approval.approvers : [];
  const plain = approvers.length > 0 && approvers.every((a) => RESOLVERS.includes(String(a)));
  return approval.kind === 'node' && approval.min_approvals === 1 && plain;
}

/**
 * Before `runs:resolve` resumes a run: decides the pending approval it stands in for (so both APIs
 * tell the same story), or refuses with CONFLICT when that approval must go through its approvers.
 */
export async function settlePendingApproval(trx: Tx, tenantId: string, id: string, resolution: Resolution) {
  const pending = await trx
    .selectFrom('approvals')
    .select(['id', 'kind', 'approvers', 'min_approvals'])
    .where('tenant_id', '=', tenantId)
    .where('run_id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (pending && mayResolveHere(pending)) {
    // Resolving here decides the approval too, so both APIs tell the same story.
    const decision = resolution.action === 'retry' || resolution.action === 'approve' ? 'approve' : 'reject';
    await trx
      .updateTable('approvals')
      .set({
        status: decision === 'approve' ? 'approved' : 'rejected',
        decisions: sql`decisions || ${writeJson([
          { by: resolution.by, decision, comment: resolution.comment, at: new Date().toISOString() },
        ])}::jsonb`,
        decided_at: sql<Date>`now()`,
      })
      .where('id', '=', pending.id)
      .execute();
  } else if (pending) {
    throw new AppError(
      'CONFLICT',
      `run ${id} waits for approval ${pending.id}: decide it with POST /api/v1/approvals/${pending.id}:approve or :reject`,
    );
  }
}
