import { type Kysely, sql } from 'kysely';
import { TriggerSpecSchema } from '../contracts/index.ts';
import type { DueSchedule, FireRecord, ScheduleStore } from '../triggers/index.ts';
import { readJson } from './json-columns.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction, type Tx } from './tenant-scope.ts';

type ClaimRow = { trigger_id: string; tenant_id: string; next_fire_at: Date; name: string; spec: unknown };

/**
 * Trigger state over PGlite or PostgreSQL: due schedules claimed across tenants under a lease
 * (`for update skip locked`), fires recorded per tenant. Times come from the caller's clock, so
 * the scheduler's notion of "due" is the one its tests control.
 */
export class SqlScheduleStore implements ScheduleStore {
  constructor(private readonly db: Kysely<DB>) {}

  async claimDue(
    owner: string,
    now: Date,
    leaseMs: number,
    signal?: AbortSignal,
  ): Promise<DueSchedule | null> {
    signal?.throwIfAborted();
    const leaseUntil = new Date(now.getTime() + leaseMs);
    // Platform-level, like the run queue's claim: the scheduler serves every tenant; each write
    // it makes afterwards is tenant-scoped.
    const result = await sql<ClaimRow>`
      with due as (
        select s.trigger_id from trigger_state s
        where s.next_fire_at <= ${now}
          and (s.lease_expires_at is null or s.lease_expires_at <= ${now})
        order by s.next_fire_at, s.trigger_id
        limit 1
        for update skip locked)
      update trigger_state s set lease_owner = ${owner}, lease_expires_at = ${leaseUntil}
      from due, triggers t
      where s.trigger_id = due.trigger_id and t.id = s.trigger_id
      returning s.trigger_id, s.tenant_id, s.next_fire_at, t.name, t.spec`.execute(this.db);
    const row = result.rows[0];
    if (!row) return null;
    return {
      tenantId: row.tenant_id,
      triggerId: row.trigger_id,
      name: row.name,
      spec: readJson(TriggerSpecSchema, row.spec, 'trigger spec'),
      dueAt: new Date(row.next_fire_at),
    };
  }

  finish(
    claim: DueSchedule,
    owner: string,
    fire: FireRecord & { nextFireAt: Date | null },
    signal?: AbortSignal,
  ): Promise<boolean> {
    const fired = fire.runId !== null || fire.error !== null;
    return inTenantTransaction(
      this.db,
      claim.tenantId,
      async (trx) => {
        const row = await trx
          .updateTable('trigger_state')
          .set((eb) => ({
            // A reschedule since the claim (the trigger changed) wins over the fire's own next.
            next_fire_at: sql<Date | null>`case when next_fire_at = ${claim.dueAt} then ${fire.nextFireAt}::timestamptz else next_fire_at end`,
            lease_owner: null,
            lease_expires_at: null,
            ...(fired
              ? {
                  last_fired_at: fire.at,
                  last_run_id: fire.runId,
                  last_error: fire.error,
                  fires: eb('fires', '+', 1),
                }
              : {}),
          }))
          .where('tenant_id', '=', claim.tenantId)
          .where('trigger_id', '=', claim.triggerId)
          .where('lease_owner', '=', owner)
          .returning('trigger_id')
          .executeTakeFirst();
        return row !== undefined;
      },
      signal,
    );
  }

  recordFire(tenantId: string, triggerId: string, fire: FireRecord, signal?: AbortSignal): Promise<void> {
    return inTenantTransaction(
      this.db,
      tenantId,
      (trx) => this.#recordFire(trx, tenantId, triggerId, fire),
      signal,
    );
  }

  async #recordFire(trx: Tx, tenantId: string, triggerId: string, fire: FireRecord): Promise<void> {
    const exists = await trx
      .selectFrom('triggers')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', triggerId)
      .executeTakeFirst();
    if (!exists) return;
    const last = { last_fired_at: fire.at, last_run_id: fire.runId, last_error: fire.error };
    await trx
      .insertInto('trigger_state')
      .values({ trigger_id: triggerId, tenant_id: tenantId, ...last, fires: 1 })
      .onConflict((oc) =>
        oc.column('trigger_id').doUpdateSet((eb) => ({ ...last, fires: eb('trigger_state.fires', '+', 1) })),
      )
      .execute();
  }
}
