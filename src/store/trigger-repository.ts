import { type TriggerSpec, TriggerSpecSchema } from '../contracts/index.ts';
import type { TriggerFireState, TriggerStore } from '../registry/index.ts';
import { type SpecKind, SqlSpecStore } from './spec-resource-repository.ts';
import type { Tx } from './tenant-scope.ts';

const KIND: SpecKind<TriggerSpec> = { table: 'triggers', noun: 'trigger', schema: TriggerSpecSchema };

/** Triggers of one tenant and their fire state; every write notifies the triggers channel. */
export class SqlTriggerStore extends SqlSpecStore<TriggerSpec> implements TriggerStore {
  constructor(
    private readonly tx: Tx,
    private readonly tenant: string,
    channel: string,
  ) {
    super(tx, tenant, channel, KIND);
  }

  async reschedule(id: string, nextFireAt: Date | null): Promise<void> {
    await this.tx
      .insertInto('trigger_state')
      .values({ trigger_id: id, tenant_id: this.tenant, next_fire_at: nextFireAt })
      .onConflict((oc) => oc.column('trigger_id').doUpdateSet({ next_fire_at: nextFireAt }))
      .execute();
  }

  async states(ids: readonly string[]): Promise<Map<string, TriggerFireState>> {
    if (ids.length === 0) return new Map();
    const rows = await this.tx
      .selectFrom('trigger_state')
      .selectAll()
      .where('tenant_id', '=', this.tenant)
      .where('trigger_id', 'in', [...ids])
      .execute();
    return new Map(
      rows.map((row) => [
        row.trigger_id,
        {
          nextFireAt: row.next_fire_at,
          lastFiredAt: row.last_fired_at,
          lastRunId: row.last_run_id,
          lastError: row.last_error,
          fires: row.fires,
        },
      ]),
    );
  }
}
