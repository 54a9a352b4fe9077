export { ResponseCache, type SharedCache } from './cache/index.ts';
export {
  type CallOptions,
  type ChatResponse,
  ModelGateway,
  type ModelGatewayOptions,
  type Served,
} from './model-gateway.ts';
export type { ModelListEntry } from './model-list.ts';
export {
  ChatCompletionRequestSchema,
  EmbeddingsRequestSchema,
  GatewayError,
  type OpenAIErrorObject,
  parseRequest,
} from './openai-wire.ts';
export type {
  CatalogSource,
  GatewayAlias,
  GatewayAudit,
  GatewayBackend,
  GatewayCaller,
  GatewayInvocation,
  Pseudonymizer,
  PseudonymSession,
  SpendEstimate,
  SpendHold,
  TenantCatalog,
  UsageGovernor,
} from './ports.ts';
export { type RerankRequest, RerankRequestSchema } from './rerank.ts';
export type { BackendHealthRecord } from './routing/index.ts';
export { costOf, pricesOf } from './spend.ts';
