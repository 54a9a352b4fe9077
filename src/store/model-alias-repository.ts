import { sql } from 'kysely';
import { z } from 'zod';
import { type Labels, LabelsSchema, ModelAliasSpecSchema } from '../contracts/index.ts';
import type { ListPage, ModelAliasRecord, ModelAliasStore } from '../registry/index.ts';
import { readJson, writeJson } from './json-columns.ts';
import { insertUnique, staleVersion } from './pg-errors.ts';
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
  resource_version: number;
  created_at: Date;
  updated_at: Date;
};

function toRecord(row: Row): ModelAliasRecord {
  return {
    id: row.id,
    name: row.name,
    labels: readJson(LabelsSchema, row.labels, 'model alias labels'),
    annotations: readJson(AnnotationsSchema, row.annotations, 'model alias annotations'),
    spec: readJson(ModelAliasSpecSchema, row.spec, 'model alias spec'),
    specHash: row.spec_hash,
    resourceVersion: row.resource_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * ModelAliasStore over PGlite or PostgreSQL. Every write notifies `channel` with the tenant id,
 * on commit: the gateway's catalog of that tenant is reloaded on every replica.
 */
export class SqlModelAliasStore implements ModelAliasStore {
  constructor(
    private readonly trx: Tx,
    private readonly tenantId: string,
    private readonly channel: string,
  ) {}

  async get(name: string): Promise<ModelAliasRecord | null> {
    const row = await this.trx
      .selectFrom('model_aliases')
      .selectAll()
      .where('tenant_id', '=', this.tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async list(page: ListPage<string>, labels?: Labels): Promise<ModelAliasRecord[]> {
    let query = this.trx
      .selectFrom('model_aliases')
      .selectAll()
      .where('tenant_id', '=', this.tenantId)
      .orderBy('name')
      .limit(page.limit);
    if (page.after !== undefined) query = query.where('name', '>', page.after);
    if (labels && Object.keys(labels).length > 0)
      query = query.where(sql<boolean>`labels @> ${writeJson(labels)}::jsonb`);
    return (await query.execute()).map(toRecord);
  }

  async insert(alias: Omit<ModelAliasRecord, 'resourceVersion' | 'updatedAt'>): Promise<ModelAliasRecord> {
    const row = await insertUnique('model alias', alias.name, () =>
      this.trx
        .insertInto('model_aliases')
        .values({
          id: alias.id,
          tenant_id: this.tenantId,
          name: alias.name,
          labels: writeJson(alias.labels),
          annotations: writeJson(alias.annotations),
          spec: writeJson(alias.spec),
          spec_hash: alias.specHash,
          resource_version: 1,
          created_at: alias.createdAt,
          updated_at: alias.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    await notify(this.trx, this.channel, this.tenantId);
    return toRecord(row);
  }

  async update(
    id: string,
    changes: Pick<ModelAliasRecord, 'labels' | 'annotations' | 'spec' | 'specHash'>,
    expectedResourceVersion?: number,
  ): Promise<ModelAliasRecord> {
    let query = this.trx
      .updateTable('model_aliases')
      .set((eb) => ({
        labels: writeJson(changes.labels),
        annotations: writeJson(changes.annotations),
        spec: writeJson(changes.spec),
        spec_hash: changes.specHash,
        resource_version: eb('resource_version', '+', 1),
        updated_at: sql<Date>`now()`,
      }))
      .where('tenant_id', '=', this.tenantId)
      .where('id', '=', id);
    if (expectedResourceVersion !== undefined)
      query = query.where('resource_version', '=', expectedResourceVersion);
    const row = await query.returningAll().executeTakeFirst();
    if (!row) throw staleVersion('model alias');
    await notify(this.trx, this.channel, this.tenantId);
    return toRecord(row);
  }

  async delete(id: string, expectedResourceVersion?: number): Promise<void> {
    let query = this.trx
      .deleteFrom('model_aliases')
      .where('tenant_id', '=', this.tenantId)
      .where('id', '=', id);
    if (expectedResourceVersion !== undefined)
      query = query.where('resource_version', '=', expectedResourceVersion);
    const result = await query.executeTakeFirst();
    if (result.numDeletedRows === 0n) throw staleVersion('model alias');
    await notify(this.trx, this.channel, this.tenantId);
  }
}
