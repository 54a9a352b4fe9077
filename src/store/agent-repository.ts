import { sql } from 'kysely';
import { z } from 'zod';
import { AGENT_VERSION_STATUSES, AgentSpecSchema, type Labels, LabelsSchema } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import type {
  AgentChanges,
  AgentRecord,
  AgentStore,
  AgentVersionRecord,
  AgentView,
  ListPage,
  VersionChanges,
} from '../registry/index.ts';
import { readJson, writeJson } from './json-columns.ts';
import { insertUnique, staleVersion } from './pg-errors.ts';
import type { Tx } from './tenant-scope.ts';

const AnnotationsSchema = z.record(z.string(), z.string());
const StatusSchema = z.enum(AGENT_VERSION_STATUSES);

type AgentRow = {
  id: string;
  name: string;
  labels: unknown;
  annotations: unknown;
  active_version: number | null;
  latest_version: number;
  resource_version: number;
  created_at: Date;
  updated_at: Date;
};
type VersionRow = {
  agent_id: string;
  version: number;
  status: string;
  spec: unknown;
  spec_hash: string;
  created_at: Date;
  published_at: Date | null;
  deprecated_at: Date | null;
};

function toAgent(row: AgentRow): AgentRecord {
  return {
    id: row.id,
    name: row.name,
    labels: readJson(LabelsSchema, row.labels, 'agent labels'),
    annotations: readJson(AnnotationsSchema, row.annotations, 'agent annotations'),
    activeVersion: row.active_version,
    latestVersion: row.latest_version,
    resourceVersion: row.resource_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toVersion(row: VersionRow): AgentVersionRecord {
  return {
    agentId: row.agent_id,
    version: row.version,
    status: readJson(StatusSchema, row.status, 'agent version status'),
    spec: readJson(AgentSpecSchema, row.spec, 'agent spec'),
    specHash: row.spec_hash,
    createdAt: row.created_at,
    publishedAt: row.published_at,
    deprecatedAt: row.deprecated_at,
  };
}

const AGENT_COLUMNS = [
  'a.id',
  'a.name',
  'a.labels',
  'a.annotations',
  'a.active_version',
  'a.latest_version',
  'a.resource_version',
  'a.created_at',
  'a.updated_at',
] as const;
const VERSION_COLUMNS = [
  'v.agent_id',
  'v.version',
  'v.status',
  'v.spec',
  'v.spec_hash',
  'v.created_at as v_created_at',
  'v.published_at',
  'v.deprecated_at',
] as const;

/** AgentStore over PGlite or PostgreSQL; scoped by an explicit tenant filter and by row-level security. */
export class SqlAgentStore implements AgentStore {
  constructor(
    private readonly trx: Tx,
    private readonly tenantId: string,
  ) {}

  private viewQuery() {
    return this.trx
      .selectFrom('agents as a')
      .innerJoin('agent_versions as v', (join) =>
        join
          .onRef('v.agent_id', '=', 'a.id')
          .on('v.version', '=', sql<number>`coalesce(a.active_version, a.latest_version)`),
      )
      .select([...AGENT_COLUMNS, ...VERSION_COLUMNS])
      .where('a.tenant_id', '=', this.tenantId);
  }

  private static toView(row: AgentRow & Omit<VersionRow, 'created_at'> & { v_created_at: Date }): AgentView {
    return { agent: toAgent(row), shown: toVersion({ ...row, created_at: row.v_created_at }) };
  }

  async get(name: string, options: { lock?: boolean } = {}): Promise<AgentView | null> {
    if (options.lock) {
      // Lock the agent row on its own, then read the view: a FOR UPDATE over the join would be
      // re-checked against the new row after waiting, and miss it if the shown version moved.
      const locked = await this.trx
        .selectFrom('agents')
        .select('id')
        .where('tenant_id', '=', this.tenantId)
        .where('name', '=', name)
        .forUpdate()
        .executeTakeFirst();
      if (!locked) return null;
    }
    const row = await this.viewQuery().where('a.name', '=', name).executeTakeFirst();
    return row ? SqlAgentStore.toView(row) : null;
  }

  async list(page: ListPage<string>, labels?: Labels): Promise<AgentView[]> {
    let query = this.viewQuery().orderBy('a.name').limit(page.limit);
    if (page.after !== undefined) query = query.where('a.name', '>', page.after);
    if (labels && Object.keys(labels).length > 0) {
      query = query.where(sql<boolean>`a.labels @> ${writeJson(labels)}::jsonb`);
    }
    return (await query.execute()).map((row) => SqlAgentStore.toView(row));
  }

  async insert(agent: Omit<AgentRecord, 'resourceVersion' | 'updatedAt'>): Promise<AgentRecord> {
    const row = await insertUnique('agent', agent.name, () =>
      this.trx
        .insertInto('agents')
        .values({
          id: agent.id,
          tenant_id: this.tenantId,
          name: agent.name,
          labels: writeJson(agent.labels),
          annotations: writeJson(agent.annotations),
          active_version: agent.activeVersion,
          latest_version: agent.latestVersion,
          resource_version: 1,
          created_at: agent.createdAt,
          updated_at: agent.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toAgent(row);
  }

  async update(
    agentId: string,
    changes: AgentChanges,
    expectedResourceVersion?: number,
  ): Promise<AgentRecord> {
    let query = this.trx
      .updateTable('agents')
      .set((eb) => ({
        ...(changes.labels !== undefined ? { labels: writeJson(changes.labels) } : {}),
        ...(changes.annotations !== undefined ? { annotations: writeJson(changes.annotations) } : {}),
        ...(changes.activeVersion !== undefined ? { active_version: changes.activeVersion } : {}),
        ...(changes.latestVersion !== undefined ? { latest_version: changes.latestVersion } : {}),
        resource_version: eb('resource_version', '+', 1),
        updated_at: sql<Date>`now()`,
      }))
      .where('tenant_id', '=', this.tenantId)
      .where('id', '=', agentId);
    if (expectedResourceVersion !== undefined)
      query = query.where('resource_version', '=', expectedResourceVersion);
    const row = await query.returningAll().executeTakeFirst();
    if (!row) throw staleVersion('agent');
    return toAgent(row);
  }

  async delete(agentId: string, expectedResourceVersion?: number): Promise<void> {
    let query = this.trx
      .deleteFrom('agents')
      .where('tenant_id', '=', this.tenantId)
      .where('id', '=', agentId);
    if (expectedResourceVersion !== undefined)
      query = query.where('resource_version', '=', expectedResourceVersion);
    const result = await query.executeTakeFirst();
    if (result.numDeletedRows === 0n) throw staleVersion('agent');
  }

  async getVersion(agentId: string, version: number): Promise<AgentVersionRecord | null> {
    const row = await this.trx
      .selectFrom('agent_versions')
      .selectAll()
      .where('tenant_id', '=', this.tenantId)
      .where('agent_id', '=', agentId)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? toVersion(row) : null;
  }

  async listVersions(agentId: string, page: ListPage<number>): Promise<AgentVersionRecord[]> {
    let query = this.trx
      .selectFrom('agent_versions')
      .selectAll()
      .where('tenant_id', '=', this.tenantId)
      .where('agent_id', '=', agentId)
      .orderBy('version', 'desc')
      .limit(page.limit);
    if (page.after !== undefined) query = query.where('version', '<', page.after);
    return (await query.execute()).map(toVersion);
  }

  async insertVersion(version: AgentVersionRecord): Promise<AgentVersionRecord> {
    const row = await this.trx
      .insertInto('agent_versions')
      .values({
        tenant_id: this.tenantId,
        agent_id: version.agentId,
        version: version.version,
        status: version.status,
        spec: writeJson(version.spec),
        spec_hash: version.specHash,
        created_at: version.createdAt,
        published_at: version.publishedAt,
        deprecated_at: version.deprecatedAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toVersion(row);
  }

  async updateVersion(
    agentId: string,
    version: number,
    changes: VersionChanges,
  ): Promise<AgentVersionRecord> {
    const row = await this.trx
      .updateTable('agent_versions')
      .set({
        ...(changes.status !== undefined ? { status: changes.status } : {}),
        ...(changes.spec !== undefined ? { spec: writeJson(changes.spec) } : {}),
        ...(changes.specHash !== undefined ? { spec_hash: changes.specHash } : {}),
        ...(changes.publishedAt !== undefined ? { published_at: changes.publishedAt } : {}),
        ...(changes.deprecatedAt !== undefined ? { deprecated_at: changes.deprecatedAt } : {}),
      })
      .where('tenant_id', '=', this.tenantId)
      .where('agent_id', '=', agentId)
      .where('version', '=', version)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND', `version ${version} not found`);
    return toVersion(row);
  }
}
