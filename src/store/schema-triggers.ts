import type { ColumnType } from 'kysely';

type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** One row per trigger: its next fire, the lease of the scheduler firing it, its last fire. */
export interface TriggerStateTable {
  trigger_id: string;
  tenant_id: string;
  next_fire_at: NullableTimestamp;
  lease_owner: string | null;
  lease_expires_at: NullableTimestamp;
  last_fired_at: NullableTimestamp;
  last_run_id: string | null;
  last_error: string | null;
  fires: ColumnType<number, number | undefined, number>;
}
