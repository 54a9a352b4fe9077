import type { Agent, AgentSpec, AgentVersion, AgentWrite, Labels, Page } from '../contracts/index.ts';
import {
  AppError,
  type Clock,
  contentHash,
  decodeCursor,
  encodeCursor,
  type IdGenerator,
  NameCursorSchema,
  notFound,
  VersionCursorSchema,
} from '../core/index.ts';
import { createAgent, type ReconcileMode, reconcileAgent } from './agent-reconcile.ts';
import { assertTransition } from './agent-versions.ts';
import type { AgentSpecCheck } from './apply-service.ts';
import { checkIfMatch } from './etag.ts';
import type { AgentStore, AgentView, RegistryTransactions } from './ports.ts';
import { toAgentResource, toAgentVersionResource } from './resources.ts';

export interface ListQuery {
  limit: number;
  cursor?: string | undefined;
  labels?: Labels | undefined;
}

/** A version write, with the agent's new resource version (the ETag for the next If-Match). */
export interface VersionWrite {
  version: AgentVersion;
  resourceVersion: number;
}

export interface WriteOptions {
  /** Resource version from If-Match; a mismatch throws STALE_RESOURCE_VERSION. */
  expectedVersion?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Versioned agent definitions: draft → published → deprecated, one active version, rollback. */
export class AgentService {
  constructor(
    private readonly transactions: RegistryTransactions,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly checkSpec?: AgentSpecCheck,
  ) {}

  /** Throws INVALID_REQUEST with every problem the spec check finds (pointers under `prefix`). */
  #check(spec: AgentSpec, prefix: string): void {
    const problems = this.checkSpec?.(spec, prefix) ?? [];
    if (problems.length > 0) {
      throw new AppError(
        'INVALID_REQUEST',
        `the agent spec is invalid (${problems[0]?.pointer}: ${problems[0]?.detail})`,
        {
          fieldErrors: problems,
        },
      );
    }
  }

  private context(agents: AgentStore) {
    return { agents, clock: this.clock, ids: this.ids };
  }

  private static async require(agents: AgentStore, name: string, lock = false): Promise<AgentView> {
    const view = await agents.get(name, { lock });
    if (!view) throw notFound('agent', name);
    return view;
  }

  async list(tenantId: string, query: ListQuery, signal?: AbortSignal): Promise<Page<Agent>> {
    const after = decodeCursor(query.cursor, NameCursorSchema)?.name;
    const views = await this.transactions.run(
      tenantId,
      ({ agents }) => agents.list({ limit: query.limit + 1, after }, query.labels),
      signal,
    );
    const items = views.slice(0, query.limit).map(toAgentResource);
    const last = items.at(-1);
    return {
      items,
      nextCursor: views.length > query.limit && last ? encodeCursor({ name: last.metadata.name }) : null,
    };
  }

  async get(tenantId: string, name: string, signal?: AbortSignal): Promise<Agent> {
    return toAgentResource(
      await this.transactions.run(tenantId, ({ agents }) => AgentService.require(agents, name), signal),
    );
  }

  async create(tenantId: string, write: AgentWrite, publish: boolean, signal?: AbortSignal): Promise<Agent> {
    this.#check(write.spec, '');
    const view = await this.transactions.run(
      tenantId,
      ({ agents }) =>
        createAgent(
          this.context(agents),
          {
            name: write.metadata.name,
            labels: write.metadata.labels ?? {},
            annotations: write.metadata.annotations ?? {},
            spec: write.spec,
          },
          publish ? 'publish' : 'draft',
        ),
      signal,
    );
    return toAgentResource(view);
  }

  /** PUT semantics: labels and spec become what is sent; a changed spec is a new draft unless published. */
  async replace(
    tenantId: string,
    name: string,
    write: AgentWrite,
    publish: boolean,
    options: WriteOptions = {},
  ): Promise<Agent> {
    this.#check(write.spec, '');
    if (write.metadata.name !== name) {
      throw new AppError(
        'INVALID_REQUEST',
        `metadata.name "${write.metadata.name}" does not match the path "${name}"`,
        {
          fieldErrors: [{ pointer: '/metadata/name', detail: 'must equal the name in the path' }],
        },
      );
    }
    const mode: ReconcileMode = publish ? 'publish' : 'draft';
    const result = await this.transactions.run(
      tenantId,
      async ({ agents }) => {
        const existing = await AgentService.require(agents, name, true);
        checkIfMatch(options.expectedVersion, existing.agent.resourceVersion, 'agent');
        return reconcileAgent(
          this.context(agents),
          existing,
          {
            name,
            labels: write.metadata.labels ?? {},
            annotations: write.metadata.annotations ?? {},
            spec: write.spec,
          },
          mode,
        );
      },
      options.signal,
    );
    return toAgentResource(result.view);
  }

  async delete(tenantId: string, name: string, options: WriteOptions = {}): Promise<void> {
    await this.transactions.run(
      tenantId,
      async ({ agents }) => {
        const existing = await AgentService.require(agents, name, true);
        checkIfMatch(options.expectedVersion, existing.agent.resourceVersion, 'agent');
        await agents.delete(existing.agent.id);
      },
      options.signal,
    );
  }

  async listVersions(
    tenantId: string,
    name: string,
    query: { limit: number; cursor?: string | undefined },
    signal?: AbortSignal,
  ): Promise<Page<AgentVersion>> {
    const after = decodeCursor(query.cursor, VersionCursorSchema)?.version;
    const versions = await this.transactions.run(
      tenantId,
      async ({ agents }) => {
        const { agent } = await AgentService.require(agents, name);
        return agents.listVersions(agent.id, { limit: query.limit + 1, after });
      },
      signal,
    );
    const items = versions.slice(0, query.limit).map((v) => toAgentVersionResource(name, v));
    const last = items.at(-1);
    return {
      items,
      nextCursor: versions.length > query.limit && last ? encodeCursor({ version: last.version }) : null,
    };
  }

  async getVersion(
    tenantId: string,
    name: string,
    version: number,
    signal?: AbortSignal,
  ): Promise<AgentVersion> {
    return this.transactions.run(
      tenantId,
      async ({ agents }) => {
        const { agent } = await AgentService.require(agents, name);
        const found = await agents.getVersion(agent.id, version);
        if (!found) throw new AppError('NOT_FOUND', `agent "${name}" has no version ${version}`);
        return toAgentVersionResource(name, found);
      },
      signal,
    );
  }

  /** Adds a version after the latest; a draft unless publish (then it becomes active). */
  async createVersion(
    tenantId: string,
    name: string,
    spec: AgentSpec,
    publish: boolean,
    options: WriteOptions = {},
  ): Promise<VersionWrite> {
    this.#check(spec, '');
    return this.transactions.run(
      tenantId,
      async ({ agents }) => {
        const { agent } = await AgentService.require(agents, name, true);
        checkIfMatch(options.expectedVersion, agent.resourceVersion, 'agent');
        const now = this.clock.now();
        const version = agent.latestVersion + 1;
        const created = await agents.insertVersion({
          agentId: agent.id,
          version,
          status: publish ? 'published' : 'draft',
          spec,
          specHash: contentHash(spec),
          createdAt: now,
          publishedAt: publish ? now : null,
          deprecatedAt: null,
        });
        const updated = await agents.update(agent.id, {
          latestVersion: version,
          ...(publish ? { activeVersion: version } : {}),
        });
        return { version: toAgentVersionResource(name, created), resourceVersion: updated.resourceVersion };
      },
      options.signal,
    );
  }

  /** Changes a draft's spec. Published and deprecated versions are immutable: VERSION_IMMUTABLE. */
  async updateDraft(
    tenantId: string,
    name: string,
    version: number,
    spec: AgentSpec,
    options: WriteOptions = {},
  ): Promise<VersionWrite> {
    this.#check(spec, '');
    return this.transactions.run(
      tenantId,
      async ({ agents }) => {
        const { agent } = await AgentService.require(agents, name, true);
        checkIfMatch(options.expectedVersion, agent.resourceVersion, 'agent');
        const found = await agents.getVersion(agent.id, version);
        if (!found) throw new AppError('NOT_FOUND', `agent "${name}" has no version ${version}`);
        if (found.status !== 'draft') {
          throw new AppError(
            'VERSION_IMMUTABLE',
            `version ${version} of agent "${name}" is ${found.status}: create a new version instead`,
          );
        }
        const updated = await agents.updateVersion(agent.id, version, { spec, specHash: contentHash(spec) });
        const { resourceVersion } = await agents.update(agent.id, {});
        return { version: toAgentVersionResource(name, updated), resourceVersion };
      },
      options.signal,
    );
  }

  /** Publishes a draft (or re-activates a published version) and makes it the active version. */
  async publish(tenantId: string, name: string, version: number, options: WriteOptions = {}): Promise<Agent> {
    return this.activate(tenantId, name, () => version, options);
  }

  /** Makes an earlier published version active: the given one, else the newest published before the active. */
  async rollback(
    tenantId: string,
    name: string,
    version: number | undefined,
    options: WriteOptions = {},
  ): Promise<Agent> {
    return this.activate(
      tenantId,
      name,
      async (agents, view) => {
        if (version !== undefined) return version;
        const candidates = await agents.listVersions(view.agent.id, {
          limit: 1000,
          after: view.agent.activeVersion ?? undefined,
        });
        const previous = candidates.find((v) => v.status === 'published');
        if (!previous || view.agent.activeVersion === null) {
          throw new AppError('CONFLICT', `agent "${name}" has no earlier published version to roll back to`);
        }
        return previous.version;
      },
      options,
      true,
    );
  }

  private async activate(
    tenantId: string,
    name: string,
    pick: (agents: AgentStore, view: AgentView) => number | Promise<number>,
    options: WriteOptions,
    mustBePublished = false,
  ): Promise<Agent> {
    const view = await this.transactions.run(
      tenantId,
      async ({ agents }) => {
        const existing = await AgentService.require(agents, name, true);
        checkIfMatch(options.expectedVersion, existing.agent.resourceVersion, 'agent');
        const version = await pick(agents, existing);
        let target = await agents.getVersion(existing.agent.id, version);
        if (!target) throw new AppError('NOT_FOUND', `agent "${name}" has no version ${version}`);
        if (target.status === 'draft') {
          if (mustBePublished)
            throw new AppError(
              'CONFLICT',
              `version ${version} is a draft: publish it instead of rolling back to it`,
            );
          assertTransition('draft', 'published', version);
          target = await agents.updateVersion(existing.agent.id, version, {
            status: 'published',
            publishedAt: this.clock.now(),
          });
        } else if (target.status === 'deprecated') {
          throw new AppError(
            'CONFLICT',
            `version ${version} of agent "${name}" is deprecated and cannot be made active`,
          );
        }
        if (existing.agent.activeVersion === version) return { agent: existing.agent, shown: target };
        const agent = await agents.update(existing.agent.id, { activeVersion: version });
        return { agent, shown: target };
      },
      options.signal,
    );
    return toAgentResource(view);
  }

  /** Deprecates a published version that is not the active one. */
  async deprecate(
    tenantId: string,
    name: string,
    version: number,
    options: WriteOptions = {},
  ): Promise<VersionWrite> {
    return this.transactions.run(
      tenantId,
      async ({ agents }) => {
        const { agent } = await AgentService.require(agents, name, true);
        checkIfMatch(options.expectedVersion, agent.resourceVersion, 'agent');
        const found = await agents.getVersion(agent.id, version);
        if (!found) throw new AppError('NOT_FOUND', `agent "${name}" has no version ${version}`);
        if (agent.activeVersion === version) {
          throw new AppError(
            'CONFLICT',
            `version ${version} is active: publish or roll back to another version first`,
          );
        }
        assertTransition(found.status, 'deprecated', version);
        const updated = await agents.updateVersion(agent.id, version, {
          status: 'deprecated',
          deprecatedAt: this.clock.now(),
        });
        const { resourceVersion } = await agents.update(agent.id, {});
        return { version: toAgentVersionResource(name, updated), resourceVersion };
      },
      options.signal,
    );
  }
}
