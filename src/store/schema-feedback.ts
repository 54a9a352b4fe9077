import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** One principal's feedback on one run (migration 0013). */
export interface RunFeedbackTable {
  id: string;
  tenant_id: string;
  run_id: string;
  principal: string;
  score: number;
  correction: string | null;
  category: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
