export type { AgentRunCall, AgentRunner, AgentRunOutcome } from './agent-entry.ts';
export { ArgumentValidator, toJsonSchema } from './argument-schema.ts';
export { EchoArgsSchema, echoTool } from './builtin/echo.ts';
export {
  HTTP_REQUEST_METHODS,
  type HttpRequestArgs,
  HttpRequestArgsSchema,
  HttpRequestConfigSchema,
  type HttpRequestMethod,
  httpRequestTool,
} from './builtin/http-request.ts';
export { SleepArgsSchema, sleepTool } from './builtin/sleep.ts';
export {
  BaseToolConfigSchema,
  type BuiltinTool,
  type BuiltinToolContext,
  type BuiltinToolSpec,
  defineBuiltinTool,
  errorResult,
  textResult,
} from './builtin-tool.ts';
export { BUILTIN_TOOLS, BuiltinToolInvoker } from './builtin-tool-invoker.ts';
export { OAuthTokens } from './http/oauth2.ts';
export { blockedReason } from './http/ssrf-guard.ts';
export { McpConnection, type McpTool } from './mcp/mcp-connection.ts';
export { NAMESPACE_SEPARATOR, ToolServerManager } from './mcp/tool-server-manager.ts';
export { checkToolServerSpec, checkToolSpec } from './tool-checks.ts';
export { type ToolCallContext, ToolGateway, type ToolOutcome } from './tool-gateway.ts';
