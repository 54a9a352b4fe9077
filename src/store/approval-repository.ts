import { type Kysely, type Selectable, sql } from 'kysely';
import { z } from 'zod';
import { APPROVAL_DECISIONS, APPROVAL_KINDS, APPROVAL_STATUSES } from '../contracts/index.ts';
import { notFound } from '../core/index.ts';
import type {
  ApprovalChange,
  ApprovalFilter,
  ApprovalRecord,
  ApprovalStore,
  NewApproval,
} from '../orchestrator/index.ts';
import { readJson, writeJson } from './json-columns.ts';
import { resumePausedRun } from './run-resume-sql.ts';
import { type Channels, channelsFor } from './run-signals.ts';
import type { ApprovalsTable, DB } from './schema.ts';
import { inTenantTransaction } from './tenant-scope.ts';

const DecisionsSchema = z.array(
  z.object({
    by: z.string(),
    decision: z.enum(APPROVAL_DECISIONS),
    comment: z.string().optional(),
    at: z.coerce.date(),
  }),
);
const StringsSchema = z.array(z.string());

type ApprovalRow = Selectable<ApprovalsTable>;

function toApproval(row: ApprovalRow): ApprovalRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    runId: row.run_id,
    stepKey: row.step_key,
    kind: readJson(z.enum(APPROVAL_KINDS), row.kind, 'approval kind'),
    status: readJson(z.enum(APPROVAL_STATUSES), row.status, 'approval status'),
    tool: row.tool,
    callHash: row.call_hash,
    arguments: row.arguments,
    reason: row.reason,
    rules: readJson(StringsSchema, row.rules, 'approval rules'),
    approvers: readJson(StringsSchema, row.approvers, 'approval approvers'),
    minApprovals: row.min_approvals,
    onTimeout: row.on_timeout === 'approve' ? 'approve' : 'reject',
    decisions: readJson(DecisionsSchema, row.decisions, 'approval decisions'),
    expiresAt: row.expires_at,
    decidedAt: row.decided_at,
    createdAt: row.created_at,
    consumedAt: row.consumed_at,
  };
}

/** Approvals over PGlite or PostgreSQL, each call one tenant-scoped transaction. */
export class SqlApprovalStore implements ApprovalStore {
  readonly #channels: Channels;

  constructor(
    private readonly db: Kysely<DB>,
    schema: string,
  ) {
    this.#channels = channelsFor(schema);
  }

  async ensure(approval: NewApproval): Promise<{ approval: ApprovalRecord; created: boolean }> {
    return inTenantTransaction(this.db, approval.tenantId, async (trx) => {
      const inserted = await trx
        .insertInto('approvals')
        .values({
          id: approval.id,
          tenant_id: approval.tenantId,
          run_id: approval.runId,
          step_key: approval.stepKey,
          kind: approval.kind,
          status: 'pending',
          tool: approval.tool,
          call_hash: approval.callHash,
          arguments: writeJson(approval.arguments ?? null),
          reason: approval.reason,
          rules: writeJson(approval.rules),
          approvers: writeJson(approval.approvers),
          min_approvals: approval.minApprovals,
          on_timeout: approval.onTimeout,
          decisions: '[]',
          expires_at: approval.expiresAt,
          created_at: approval.createdAt,
        })
        .onConflict((oc) => oc.columns(['run_id', 'step_key', 'call_hash']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { approval: toApproval(inserted), created: true };
      const existing = await trx
        .selectFrom('approvals')
        .selectAll()
        .where('tenant_id', '=', approval.tenantId)
        .where('run_id', '=', approval.runId)
        .where('step_key', '=', approval.stepKey)
        .where('call_hash', '=', approval.callHash)
        .executeTakeFirstOrThrow();
      return { approval: toApproval(existing), created: false };
    });
  }

  async forCall(
    tenantId: string,
    runId: string,
    stepKey: string,
    callHash: string,
  ): Promise<ApprovalRecord | null> {
    const row = await inTenantTransaction(this.db, tenantId, (trx) =>
      trx
        .selectFrom('approvals')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('run_id', '=', runId)
        .where('step_key', '=', stepKey)
        .where('call_hash', '=', callHash)
        .executeTakeFirst(),
    );
    return row ? toApproval(row) : null;
  }

  async forDirectCall(tenantId: string, stepKey: string, callHash: string): Promise<ApprovalRecord | null> {
    const row = await inTenantTransaction(this.db, tenantId, (trx) =>
      trx
        .selectFrom('approvals')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('run_id', 'is', null)
        .where('step_key', '=', stepKey)
        .where('call_hash', '=', callHash)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),
    );
    return row ? toApproval(row) : null;
  }

  async consume(tenantId: string, id: string): Promise<boolean> {
    const result = await inTenantTransaction(this.db, tenantId, (trx) =>
      trx
        .updateTable('approvals')
        .set({ consumed_at: sql<Date>`now()` })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('status', '=', 'approved')
        .where('consumed_at', 'is', null)
        .executeTakeFirst(),
    );
    return result.numUpdatedRows === 1n;
  }

  async get(tenantId: string, id: string): Promise<ApprovalRecord | null> {
    const row = await inTenantTransaction(this.db, tenantId, (trx) =>
      trx
        .selectFrom('approvals')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row ? toApproval(row) : null;
  }

  async list(
    tenantId: string,
    filter: ApprovalFilter,
    page: { limit: number; afterId?: string },
  ): Promise<ApprovalRecord[]> {
    const rows = await inTenantTransaction(this.db, tenantId, (trx) => {
      let query = trx
        .selectFrom('approvals')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id', 'desc')
        .limit(page.limit);
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.runId) query = query.where('run_id', '=', filter.runId);
      if (page.afterId) query = query.where('id', '<', page.afterId);
      return query.execute();
    });
    return rows.map(toApproval);
  }

  async update(
    tenantId: string,
    id: string,
    decide: (current: ApprovalRecord) => ApprovalChange,
  ): Promise<ApprovalRecord> {
    return inTenantTransaction(this.db, tenantId, async (trx) => {
      const row = await trx
        .selectFrom('approvals')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw notFound('approval', id);
      const change = decide(toApproval(row));
      const final = change.status !== 'pending';
      const updated = await trx
        .updateTable('approvals')
        .set({
          status: change.status,
          decisions: writeJson(change.decisions.map((d) => ({ ...d, at: d.at.toISOString() }))),
          ...(final ? { decided_at: sql<Date>`now()` } : {}),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (change.resume && row.run_id) {
        await resumePausedRun(trx, this.#channels, tenantId, row.run_id, {
          ...change.resume,
          step: row.step_key,
        });
      }
      return toApproval(updated);
    });
  }

  async due(now: Date, limit: number): Promise<Array<{ tenantId: string; id: string }>> {
    // As the platform, across tenants: only ids leave this query; each expiry is tenant-scoped.
    const rows = await this.db
      .selectFrom('approvals')
      .select(['tenant_id', 'id'])
      .where('status', '=', 'pending')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id }));
  }
}
