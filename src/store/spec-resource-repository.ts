import { sql } from 'kysely';
import { z } from 'zod';
import { type Labels, LabelsSchema } from '../contracts/index.ts';
import type { ListPage, SpecRecord, SpecStore } from '../registry/index.ts';
import { readJson, writeJson } from './json-columns.ts';
import { insertUnique, staleVersion } from './pg-errors.ts';
import { notify } from './run-signals.ts';
import type { Tx } from './tenant-scope.ts';

const AnnotationsSchema = z.record(z.string(), z.string());

/** Tables of kinds that are a name, labels, annotations and a spec (same columns, same rules). */
export type SpecTable =
  | 'model_backends'
  | 'model_aliases'
  | 'tools'
  | 'tool_servers'
  | 'knowledge_bases'
  | 'triggers';

export interface SpecKind<S> {
  table: SpecTable;
  /** In errors: `model backend "x" already exists`. */
  noun: string;
  /** Checks the stored spec on read. */
  schema: z.ZodType<S>;
}

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

/**
 * A spec-only kind's store over PGlite or PostgreSQL, scoped to one tenant's transaction. Every
 * write notifies `channel` with the tenant id, on commit, so every replica reloads what it built
 * from the kind (the gateway's catalog, for model backends and aliases).
 */
export class SqlSpecStore<S> implements SpecStore<S> {
  // Every SpecTable has the same columns: one of them stands for all in the query builder's types.
  readonly #table: 'model_backends';

  constructor(
    private readonly trx: Tx,
    private readonly tenantId: string,
    private readonly channel: string,
    private readonly kind: SpecKind<S>,
  ) {
    this.#table = kind.table as 'model_backends';
  }

  async get(name: string): Promise<SpecRecord<S> | null> {
    const row = await this.trx
      .selectFrom(this.#table)
      .selectAll()
      .where('tenant_id', '=', this.tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? this.#record(row) : null;
  }

  async list(page: ListPage<string>, labels?: Labels): Promise<SpecRecord<S>[]> {
    let query = this.trx
      .selectFrom(this.#table)
      .selectAll()
      .where('tenant_id', '=', this.tenantId)
      .orderBy('name')
      .limit(page.limit);
    if (page.after !== undefined) query = query.where('name', '>', page.after);
    if (labels && Object.keys(labels).length > 0)
      query = query.where(sql<boolean>`labels @> ${writeJson(labels)}::jsonb`);
    return (await query.execute()).map((row) => this.#record(row));
  }

  async insert(resource: Omit<SpecRecord<S>, 'resourceVersion' | 'updatedAt'>): Promise<SpecRecord<S>> {
    const row = await insertUnique(this.kind.noun, resource.name, () =>
      this.trx
        .insertInto(this.#table)
        .values({
          id: resource.id,
          tenant_id: this.tenantId,
          name: resource.name,
          labels: writeJson(resource.labels),
          annotations: writeJson(resource.annotations),
          spec: writeJson(resource.spec),
          spec_hash: resource.specHash,
          resource_version: 1,
          created_at: resource.createdAt,
          updated_at: resource.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    await notify(this.trx, this.channel, this.tenantId);
    return this.#record(row);
  }

  async update(
    id: string,
    changes: Pick<SpecRecord<S>, 'labels' | 'annotations' | 'spec' | 'specHash'>,
    expectedResourceVersion?: number,
  ): Promise<SpecRecord<S>> {
    let query = this.trx
      .updateTable(this.#table)
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
    if (!row) throw staleVersion(this.kind.noun);
    await notify(this.trx, this.channel, this.tenantId);
    return this.#record(row);
  }

  async delete(id: string, expectedResourceVersion?: number): Promise<void> {
    let query = this.trx.deleteFrom(this.#table).where('tenant_id', '=', this.tenantId).where('id', '=', id);
    if (expectedResourceVersion !== undefined)
      query = query.where('resource_version', '=', expectedResourceVersion);
    const result = await query.executeTakeFirst();
    if (result.numDeletedRows === 0n) throw staleVersion(this.kind.noun);
    await notify(this.trx, this.channel, this.tenantId);
  }

  #record(row: Row): SpecRecord<S> {
    const { noun, schema } = this.kind;
    return {
      id: row.id,
      name: row.name,
      labels: readJson(LabelsSchema, row.labels, `${noun} labels`),
      annotations: readJson(AnnotationsSchema, row.annotations, `${noun} annotations`),
      spec: readJson(schema, row.spec, `${noun} spec`),
      specHash: row.spec_hash,
      resourceVersion: row.resource_version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}
