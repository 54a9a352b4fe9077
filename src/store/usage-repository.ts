import { type Kysely, sql } from 'kysely';
import type { UsageRecord } from '../contracts/index.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction } from './tenant-scope.ts';

/** One model call's usage, to add to its day's roll-up. */
export type UsageEntry = UsageRecord;

export type UsageDimension = 'tenant' | 'agent' | 'model' | 'principal' | 'day';

export interface UsageTotals {
  key: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpricedCalls: number;
}

const COLUMN: Record<UsageDimension, string> = {
  tenant: 'tenant_id', // reported by name
  agent: 'agent',
  model: 'model',
  principal: 'principal',
  day: 'day',
};

const totalsOf = (row: Record<string, unknown>): UsageTotals => ({
  key: String(row.key),
  calls: Number(row.calls),
  errors: Number(row.errors),
  inputTokens: Number(row.input_tokens),
  outputTokens: Number(row.output_tokens),
  costUsd: Number(row.cost_usd),
  unpricedCalls: Number(row.unpriced_calls),
});

/**
 * Model usage rolled up per tenant, day, agent, model and principal: each batch of calls is added
 * to its rows in one statement (upsert), so the roll-up is exact however many replicas write.
 */
export class SqlUsageStore {
  constructor(private readonly db: Kysely<DB>) {}

  async add(entries: readonly UsageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // One row per key: Postgres refuses an upsert that touches a row twice.
    const merged = new Map<string, UsageEntry>();
    for (const entry of entries) {
      const key = JSON.stringify([entry.tenantId, entry.day, entry.agent, entry.model, entry.principal]);
      const seen = merged.get(key);
      if (!seen) merged.set(key, { ...entry });
      else {
        seen.calls += entry.calls;
        seen.errors += entry.errors;
        seen.inputTokens += entry.inputTokens;
        seen.outputTokens += entry.outputTokens;
        seen.costUsd += entry.costUsd;
        seen.unpricedCalls += entry.unpricedCalls;
      }
    }
    // A tenant deleted while its calls were queued: its usage goes with it, not the batch.
    const tenants = new Set(
      (
        await this.db
          .selectFrom('tenants')
          .select('id')
          .where('id', 'in', [...new Set([...merged.values()].map((entry) => entry.tenantId))])
          .execute()
      ).map((row) => row.id),
    );
    const rows = [...merged.values()].filter((entry) => tenants.has(entry.tenantId));
    if (rows.length === 0) return;
    await this.db
      .insertInto('usage_daily')
      .values(
        rows.map((entry) => ({
          tenant_id: entry.tenantId,
          day: entry.day,
          agent: entry.agent,
          model: entry.model,
          principal: entry.principal,
          // Counts are whole numbers whatever a backend reported (12.5 tokens would fail the bigint).
          calls: Math.round(entry.calls),
          errors: Math.round(entry.errors),
          input_tokens: Math.round(entry.inputTokens),
          output_tokens: Math.round(entry.outputTokens),
          cost_usd: entry.costUsd,
          unpriced_calls: Math.round(entry.unpricedCalls),
        })),
      )
      .onConflict((oc) =>
        oc.constraint('usage_daily_pk').doUpdateSet({
          calls: sql`usage_daily.calls + excluded.calls`,
          errors: sql`usage_daily.errors + excluded.errors`,
          input_tokens: sql`usage_daily.input_tokens + excluded.input_tokens`,
          output_tokens: sql`usage_daily.output_tokens + excluded.output_tokens`,
          cost_usd: sql`usage_daily.cost_usd + excluded.cost_usd`,
          unpriced_calls: sql`usage_daily.unpriced_calls + excluded.unpriced_calls`,
        }),
      )
      .execute();
  }

  /**
   * Totals grouped by one dimension between two days (inclusive). `tenantId` null: every tenant
   * (platform admins); else under that tenant's row-level security.
   */
  async totals(
    tenantId: string | null,
    groupBy: UsageDimension,
    from: string,
    to: string,
  ): Promise<UsageTotals[]> {
    const column = sql.ref(COLUMN[groupBy]);
    const query = (db: Kysely<DB>) =>
      sql<Record<string, unknown>>`
        select ${
          groupBy === 'day'
            ? sql`to_char(day, 'YYYY-MM-DD')`
            : groupBy === 'tenant'
              ? sql`coalesce((select t.name from tenants t where t.id = tenant_id), tenant_id)`
              : column
        } as key,
          sum(calls)::text as calls, sum(errors)::text as errors,
          sum(input_tokens)::text as input_tokens, sum(output_tokens)::text as output_tokens,
          sum(cost_usd)::text as cost_usd, sum(unpriced_calls)::text as unpriced_calls
        from usage_daily
        where day between ${from}::date and ${to}::date
          ${tenantId === null ? sql`` : sql`and tenant_id = ${tenantId}`}
        group by ${groupBy === 'tenant' ? sql`tenant_id` : sql`1`} order by ${groupBy === 'day' ? sql`1` : sql`sum(cost_usd) desc, 1`}`.execute(
        db,
      );
    const result =
      tenantId === null
        ? await query(this.db)
        : await inTenantTransaction(this.db, tenantId, (trx) => query(trx));
    return result.rows.map(totalsOf);
  }

  /** The tenant's cost per day between two days (inclusive), days without calls left out. */
  async dailyCost(tenantId: string, from: string, to: string): Promise<Map<string, number>> {
    const rows = await this.totals(tenantId, 'day', from, to);
    return new Map(rows.map((row) => [row.key, row.costUsd]));
  }
}
