import {
  type Agent,
  type AgentVersion,
  API_VERSION,
  type ModelAlias,
  type ModelBackend,
  type ObjectMeta,
  type Tool,
  type ToolServer,
} from '../contracts/index.ts';
import type {
  AgentVersionRecord,
  AgentView,
  ModelAliasRecord,
  ModelBackendRecord,
  SpecRecord,
  ToolRecord,
  ToolServerRecord,
} from './ports.ts';

const iso = (date: Date): string => date.toISOString();
const isoOrNull = (date: Date | null): string | null => (date ? date.toISOString() : null);

const annotationsOrNothing = (annotations: Record<string, string>) =>
  Object.keys(annotations).length > 0 ? { annotations } : {};

export function toAgentResource({ agent, shown }: AgentView): Agent {
  return {
    apiVersion: API_VERSION,
    kind: 'Agent',
    metadata: {
      name: agent.name,
      uid: agent.id,
      labels: agent.labels,
      ...annotationsOrNothing(agent.annotations),
      resourceVersion: String(agent.resourceVersion),
      createdAt: iso(agent.createdAt),
      updatedAt: iso(agent.updatedAt),
    },
    spec: shown.spec,
    status: {
      activeVersion: agent.activeVersion,
      latestVersion: agent.latestVersion,
      version: shown.version,
      phase: shown.status,
    },
  };
}

export function toAgentVersionResource(agentName: string, version: AgentVersionRecord): AgentVersion {
  return {
    agent: agentName,
    version: version.version,
    status: version.status,
    spec: version.spec,
    specHash: version.specHash,
    createdAt: iso(version.createdAt),
    publishedAt: isoOrNull(version.publishedAt),
    deprecatedAt: isoOrNull(version.deprecatedAt),
  };
}

export function toModelBackendResource(record: ModelBackendRecord): ModelBackend {
  return {
    apiVersion: API_VERSION,
    kind: 'ModelBackend',
    metadata: metadataOf(record),
    spec: record.spec,
  };
}

export function toModelAliasResource(record: ModelAliasRecord): ModelAlias {
  return {
    apiVersion: API_VERSION,
    kind: 'ModelAlias',
    metadata: metadataOf(record),
    spec: record.spec,
  };
}

export function metadataOf(record: SpecRecord<unknown>): ObjectMeta {
  return {
    name: record.name,
    uid: record.id,
    labels: record.labels,
    ...annotationsOrNothing(record.annotations),
    resourceVersion: String(record.resourceVersion),
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
  };
}

export function toToolResource(record: ToolRecord): Tool {
  return { apiVersion: API_VERSION, kind: 'Tool', metadata: metadataOf(record), spec: record.spec };
}

/** A tool server as stored; its `status` is this replica's connection, added by the tool gateway. */
export type StoredToolServer = Omit<ToolServer, 'status'>;

export function toToolServerResource(record: ToolServerRecord): StoredToolServer {
  return { apiVersion: API_VERSION, kind: 'ToolServer', metadata: metadataOf(record), spec: record.spec };
}
