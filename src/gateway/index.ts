export {
  type ChatResponse,
  type GatewayCaller,
  ModelGateway,
  type ModelGatewayOptions,
  type ModelListEntry,
} from './model-gateway.ts';
export {
  ChatCompletionRequestSchema,
  EmbeddingsRequestSchema,
  GatewayError,
  type OpenAIErrorObject,
  parseRequest,
} from './openai-wire.ts';
export type {
  BackendDirectory,
  GatewayAudit,
  GatewayBackend,
  GatewayInvocation,
  Pseudonymizer,
  PseudonymSession,
} from './ports.ts';
