export {
  defineTool,
  SECRETS_META_KEY,
  type ServedTools,
  type ServeToolsOptions,
  serveTools,
  type ToolAnswer,
  type ToolDefinition,
  ToolError,
  type ToolHints,
  type ToolRunContext,
} from './tools.ts';
