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
