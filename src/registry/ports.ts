import type {
  AgentSpec,
  AgentVersionStatus,
  KnowledgeBaseSpec,
  Labels,
  ModelAliasSpec,
  ModelBackendSpec,
  PolicySpec,
  ToolServerSpec,
  ToolSpec,
  TriggerSpec,
} from '../contracts/index.ts';

export interface AgentRecord {
  id: string;
  name: string;
  labels: Labels;
  annotations: Record<string, string>;
  activeVersion: number | null;
  latestVersion: number;
  resourceVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface AgentVersionRecord {
  agentId: string;
  version: number;
  status: AgentVersionStatus;
  spec: AgentSpec;
  specHash: string;
  createdAt: Date;
  publishedAt: Date | null;
  deprecatedAt: Date | null;
}

/** An agent with the version it shows: the active one, else the latest. */
export interface AgentView {
  agent: AgentRecord;
  shown: AgentVersionRecord;
}

export interface ListPage<C> {
  limit: number;
  after?: C | undefined;
}

export interface AgentChanges {
  labels?: Labels;
  annotations?: Record<string, string>;
  activeVersion?: number | null;
  latestVersion?: number;
}

export interface VersionChanges {
  status?: AgentVersionStatus;
  spec?: AgentSpec;
  specHash?: string;
  publishedAt?: Date | null;
  deprecatedAt?: Date | null;
}

/**
 * Agents and their versions within one tenant. Every method runs inside the caller's tenant
 * transaction; an agent of another tenant is indistinguishable from a missing one.
 */
export interface AgentStore {
  /** Returns null if absent. `lock` takes a row lock until the transaction ends. */
  get(name: string, options?: { lock?: boolean }): Promise<AgentView | null>;
  /** Ordered by name; `labels` must all match. */
  list(page: ListPage<string>, labels?: Labels): Promise<AgentView[]>;
  /** Throws ALREADY_EXISTS if the name is taken. */
  insert(agent: Omit<AgentRecord, 'resourceVersion' | 'updatedAt'>): Promise<AgentRecord>;
  /**
   * Applies changes and bumps resourceVersion. With `expectedResourceVersion`, throws
   * STALE_RESOURCE_VERSION unless the stored one equals it (compare-and-set).
   */
  update(agentId: string, changes: AgentChanges, expectedResourceVersion?: number): Promise<AgentRecord>;
  /** Deletes the agent and its versions. Throws STALE_RESOURCE_VERSION on a mismatch. */
  delete(agentId: string, expectedResourceVersion?: number): Promise<void>;
  getVersion(agentId: string, version: number): Promise<AgentVersionRecord | null>;
  /** Newest first; `after` is the last version of the previous page. */
  listVersions(agentId: string, page: ListPage<number>): Promise<AgentVersionRecord[]>;
  insertVersion(version: AgentVersionRecord): Promise<AgentVersionRecord>;
  updateVersion(agentId: string, version: number, changes: VersionChanges): Promise<AgentVersionRecord>;
}

/** A kind that is a name, labels, annotations and a spec (model backends, model aliases). */
export interface SpecRecord<S> {
  id: string;
  name: string;
  labels: Labels;
  annotations: Record<string, string>;
  spec: S;
  specHash: string;
  resourceVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Such a kind's resources within one tenant. Same tenancy and compare-and-set rules as AgentStore.
 * Every write also tells every replica (NOTIFY on commit) to reload what it built from the kind.
 */
export interface SpecStore<S> {
  /** Returns null if absent. */
  get(name: string): Promise<SpecRecord<S> | null>;
  /** Ordered by name; `labels` must all match. */
  list(page: ListPage<string>, labels?: Labels): Promise<SpecRecord<S>[]>;
  /** Throws ALREADY_EXISTS if the name is taken. */
  insert(resource: Omit<SpecRecord<S>, 'resourceVersion' | 'updatedAt'>): Promise<SpecRecord<S>>;
  /**
   * Replaces labels, annotations and spec and bumps resourceVersion. With
   * `expectedResourceVersion`, throws STALE_RESOURCE_VERSION unless the stored one equals it.
   */
  update(
    id: string,
    changes: Pick<SpecRecord<S>, 'labels' | 'annotations' | 'spec' | 'specHash'>,
    expectedResourceVersion?: number,
  ): Promise<SpecRecord<S>>;
  /** Throws STALE_RESOURCE_VERSION if it is gone or its version differs from the expected one. */
  delete(id: string, expectedResourceVersion?: number): Promise<void>;
}

export type ModelBackendRecord = SpecRecord<ModelBackendSpec>;
/** Model backends within one tenant (the gateway's catalog reloads on every write). */
export type ModelBackendStore = SpecStore<ModelBackendSpec>;

export type ModelAliasRecord = SpecRecord<ModelAliasSpec>;
/**
 * Model aliases within one tenant. The store does not check that the backends an alias names
 * exist: the service does, in the same transaction.
 */
export type ModelAliasStore = SpecStore<ModelAliasSpec>;

export interface PolicyRecord {
  id: string;
  name: string;
  labels: Labels;
  annotations: Record<string, string>;
  spec: PolicySpec;
  specHash: string;
  /** 1 on create, +1 on every change; also the resourceVersion. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Policies within one tenant. Every write also records the version in the history and tells
 * every replica (NOTIFY, delivered on commit) to reload the tenant's policies.
 */
export interface PolicyStore {
  get(name: string): Promise<PolicyRecord | null>;
  list(page: ListPage<string>): Promise<PolicyRecord[]>;
  /** Every policy of the tenant (they all apply together). */
  all(): Promise<PolicyRecord[]>;
  insert(policy: Omit<PolicyRecord, 'version' | 'updatedAt'>): Promise<PolicyRecord>;
  update(
    id: string,
    changes: Pick<PolicyRecord, 'labels' | 'annotations' | 'spec' | 'specHash'>,
  ): Promise<PolicyRecord>;
  delete(id: string): Promise<void>;
}

export type ToolRecord = SpecRecord<ToolSpec>;
/** Registered tools (kind: Tool) within one tenant; every write announces the tenant on the tools channel. */
export type ToolStore = SpecStore<ToolSpec>;

export type ToolServerRecord = SpecRecord<ToolServerSpec>;
/** MCP tool servers within one tenant; every write announces the tenant on the tools channel. */
export type ToolServerStore = SpecStore<ToolServerSpec>;

export type KnowledgeBaseRecord = SpecRecord<KnowledgeBaseSpec>;
/** Knowledge bases within one tenant. */
export interface KnowledgeBaseStore extends SpecStore<KnowledgeBaseSpec> {
  /** Documents the base holds now (0 for an unknown id). */
  documentCount(id: string): Promise<number>;
}

export type TriggerRecord = SpecRecord<TriggerSpec>;

/** When a trigger fires next and what its last fire did. */
export interface TriggerFireState {
  nextFireAt: Date | null;
  lastFiredAt: Date | null;
  lastRunId: string | null;
  lastError: string | null;
  fires: number;
}

/** Triggers within one tenant, with their fire state (kept by the triggers component). */
export interface TriggerStore extends SpecStore<TriggerSpec> {
  /** Sets when the trigger next fires (null: never); keeps its last fire and any lease on it. */
  reschedule(id: string, nextFireAt: Date | null): Promise<void>;
  /** Fire state by trigger id; a trigger never scheduled nor fired may be missing. */
  states(ids: readonly string[]): Promise<Map<string, TriggerFireState>>;
}

/** Whether a principal exists in the tenant (what runs may act as); the identity store answers. */
export interface PrincipalNames {
  exists(name: string): Promise<boolean>;
}

export interface RegistryStores {
  agents: AgentStore;
  principals: PrincipalNames;
  knowledgeBases: KnowledgeBaseStore;
  modelBackends: ModelBackendStore;
  modelAliases: ModelAliasStore;
  policies: PolicyStore;
  tools: ToolStore;
  toolServers: ToolServerStore;
  triggers: TriggerStore;
}

/** Runs work in one tenant-scoped transaction: all of it commits, or none. */
export interface RegistryTransactions {
  run<T>(tenantId: string, fn: (stores: RegistryStores) => Promise<T>, signal?: AbortSignal): Promise<T>;
}
