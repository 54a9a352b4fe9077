import { sql } from 'kysely';
import type { EventDraft } from '../orchestrator/index.ts';
import { writeJson } from './json-columns.ts';
import { type Channels, notify } from './run-signals.ts';
import type { Tx } from './tenant-scope.ts';

/** Inserts the event with the given seq and tells SSE listeners (on commit). */
export async function insertEvent(
  trx: Tx,
  channels: Channels,
  tenantId: string,
  runId: string,
  seq: number,
  event: EventDraft,
): Promise<void> {
  await trx
    .insertInto('run_events')
    .values({
      tenant_id: tenantId,
      run_id: runId,
      seq,
      type: event.type,
      data: writeJson(event.data),
      created_at: sql`now()`,
    })
    .execute();
  await notify(trx, channels.events, `${runId}:${seq}`);
}

/** Takes the next event seq of a run (no lease check: API-side events) and writes the event. */
export async function appendUnfencedEvent(
  trx: Tx,
  channels: Channels,
  tenantId: string,
  runId: string,
  event: EventDraft,
): Promise<number> {
  const row = await trx
    .updateTable('runs')
    .set((eb) => ({ event_seq: eb('event_seq', '+', 1) }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', runId)
    .returning('event_seq')
    .executeTakeFirstOrThrow();
  await insertEvent(trx, channels, tenantId, runId, row.event_seq, event);
  return row.event_seq;
}
