import { sql } from 'kysely';
import { z } from 'zod';
import { LabelsSchema, PolicySpecSchema } from '../contracts/index.ts';
import type { ListPage, PolicyRecord, PolicyStore } from '../registry/index.ts';
import { readJson, writeJson } from './json-columns.ts';
import { insertUnique } from './pg-errors.ts';
import { notify } from './run-signals.ts';
import type { Tx } from './tenant-scope.ts';

const AnnotationsSchema = z.record(z.string(), z.string());

type Row = {
  id: string;
  name: string;
  labels: unknown;
  annotations: unknown;
  spec: unknown;
  spec_hash: string;
  version: number;
  created_at: Date;
  updated_at: Date;
};

function toRecord(row: Row): PolicyRecord {
  return {
    id: row.id,
    name: row.name,
    labels: readJson(LabelsSchema, row.labels, 'policy labels'),
    annotations: readJson(AnnotationsSchema, row.annotations, 'policy annotations'),
    spec: readJson(PolicySpecSchema, row.spec, 'policy spec'),
    specHash: row.spec_hash,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * PolicyStore over PGlite or PostgreSQL. Each write keeps the version in `policy_versions` and
 * notifies `channel` with the tenant id, on commit: replicas reload that tenant's policies.
 */
export class SqlPolicyStore implements PolicyStore {
  constructor(
    private readonly trx: Tx,
    private readonly tenantId: string,
    private readonly channel: string,
  ) {}

  async get(name: string): Promise<PolicyRecord | null> {
    const row = await this.trx
      .selectFrom('policies')
      .selectAll()
      .where('tenant_id', '=', this.tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async list(page: ListPage<string>): Promise<PolicyRecord[]> {
    let query = this.trx
      .selectFrom('policies')
      .selectAll()
      .where('tenant_id', '=', this.tenantId)
      .orderBy('name')
      .limit(page.limit);
    if (page.after !== undefined) query = query.where('name', '>', page.after);
    return (await query.execute()).map(toRecord);
  }

  async all(): Promise<PolicyRecord[]> {
    const rows = await this.trx
      .selectFrom('policies')
      .selectAll()
      .where('tenant_id', '=', this.tenantId)
      .orderBy('name')
      .execute();
    return rows.map(toRecord);
  }

  async insert(policy: Omit<PolicyRecord, 'version' | 'updatedAt'>): Promise<PolicyRecord> {
    const row = await insertUnique('policy', policy.name, () =>
      this.trx
        .insertInto('policies')
        .values({
          id: policy.id,
          tenant_id: this.tenantId,
          name: policy.name,
          labels: writeJson(policy.labels),
          annotations: writeJson(policy.annotations),
          spec: writeJson(policy.spec),
          spec_hash: policy.specHash,
          version: 1,
          created_at: policy.createdAt,
          updated_at: policy.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    await this.#recorded(row);
    return toRecord(row);
  }

  async update(
    id: string,
    changes: Pick<PolicyRecord, 'labels' | 'annotations' | 'spec' | 'specHash'>,
  ): Promise<PolicyRecord> {
    const row = await this.trx
      .updateTable('policies')
      .set({
        labels: writeJson(changes.labels),
        annotations: writeJson(changes.annotations),
        spec: writeJson(changes.spec),
        spec_hash: changes.specHash,
        version: sql<number>`version + 1`,
        updated_at: sql<Date>`now()`,
      })
      .where('tenant_id', '=', this.tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.#recorded(row);
    return toRecord(row);
  }

  async delete(id: string): Promise<void> {
    await this.trx
      .deleteFrom('policies')
      .where('tenant_id', '=', this.tenantId)
      .where('id', '=', id)
      .execute();
    await notify(this.trx, this.channel, this.tenantId);
  }

  async #recorded(row: Row): Promise<void> {
    await this.trx
      .insertInto('policy_versions')
      .values({
        tenant_id: this.tenantId,
        policy_name: row.name,
        version: row.version,
        spec: writeJson(row.spec),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await notify(this.trx, this.channel, this.tenantId);
  }
}
