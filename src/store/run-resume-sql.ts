import { sql } from 'kysely';
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
