export { AgentCatalogService } from './agent-catalog.ts';
export { AgentService, type ListQuery, type VersionWrite, type WriteOptions } from './agent-service.ts';
export { VERSION_TRANSITIONS } from './agent-versions.ts';
export {
  type AgentSpecCheck,
  type ApplyOptions,
  ApplyService,
  type ManifestChecks,
  validateManifests,
} from './apply-service.ts';
export { etagOf, expectedVersion } from './etag.ts';
export {
  checkKnowledgeBase,
  KnowledgeBaseService,
  reconcileKnowledgeBase,
  toKnowledgeBaseResource,
} from './knowledge-base-service.ts';
export { ModelAliasService } from './model-alias-service.ts';
export { ModelBackendService } from './model-backend-service.ts';
export { PolicyService, type PolicySpecCheck, toPolicyResource } from './policy-service.ts';
export type {
  AgentChanges,
  AgentRecord,
  AgentStore,
  AgentVersionRecord,
  AgentView,
  KnowledgeBaseRecord,
  KnowledgeBaseStore,
  ListPage,
  ModelAliasRecord,
  ModelAliasStore,
  ModelBackendRecord,
  ModelBackendStore,
  PolicyRecord,
  PolicyStore,
  RegistryStores,
  RegistryTransactions,
  SpecRecord,
  SpecStore,
  ToolRecord,
  ToolServerRecord,
  ToolServerStore,
  ToolStore,
  TriggerFireState,
  TriggerRecord,
  TriggerStore,
  VersionChanges,
} from './ports.ts';
export { type StoredToolServer, toToolResource, toToolServerResource } from './resources.ts';
export {
  ToolServerService,
  type ToolServerSpecCheck,
  ToolService,
  type ToolSpecCheck,
} from './tool-service.ts';
export {
  checkTriggerAgent,
  reconcileTrigger,
  type TriggerRules,
  TriggerService,
  toTriggerResource,
} from './trigger-service.ts';
