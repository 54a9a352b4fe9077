export {
  AGENT_RUNTIMES,
  AGENT_VERSION_STATUSES,
  type Agent,
  type AgentManifest,
  AgentManifestSchema,
  AgentSchema,
  type AgentSpec,
  type AgentSpecInput,
  AgentSpecSchema,
  type AgentVersion,
  AgentVersionSchema,
  type AgentVersionStatus,
  type AgentWrite,
  AgentWriteSchema,
} from './agents.ts';
export {
  AgenticClient,
  ApiError,
  type ClientOptions,
  ConnectionError,
  fillPath,
  parseJson,
  type RawResponse,
} from './client.ts';
export {
  API_VERSION,
  durationToMs,
  type Labels,
  LabelsSchema,
  type Name,
  NameSchema,
  PAGE_LIMIT_DEFAULT,
  PAGE_LIMIT_MAX,
  type Page,
  type PageQuery,
} from './common.ts';
export {
  ERROR_CATEGORIES,
  ERROR_CODES,
  ERROR_TABLE,
  type ErrorCategory,
  type ErrorCode,
  type FieldError,
  PROBLEM_TYPE_BASE,
  type Problem,
  ProblemSchema,
} from './errors.ts';
export {
  type ApiKey,
  type ApiKeyCreated,
  PERMISSIONS,
  type Permission,
  PLATFORM_TENANT,
  PRINCIPAL_KINDS,
  type Principal,
  type PrincipalKind,
  ROLES,
  type Role,
  type Tenant,
  type WhoAmI,
} from './identity.ts';
export {
  APPLY_ACTIONS,
  type ApplyAction,
  type ApplyResult,
  type ApplyResultItem,
  MANIFEST_KINDS,
  MANIFEST_SCHEMAS,
  type Manifest,
  ManifestEnvelopeSchema,
  type ManifestKind,
  ManifestSchema,
} from './manifests.ts';
export {
  MODEL_BACKEND_TYPES,
  type ModelBackend,
  type ModelBackendManifest,
  ModelBackendSchema,
  type ModelBackendSpec,
  ModelBackendSpecSchema,
  type ModelBackendWrite,
} from './model-backends.ts';
export { buildOpenApiDocument } from './openapi.ts';
export { HTTP_METHODS, type HttpMethod, type Route, type RouteInput, type RouteOutput } from './route.ts';
export { type Readiness, type Routes, routes } from './routes.ts';
export { VERSION } from './version.ts';
