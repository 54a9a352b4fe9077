export { type ApiDeps, createApp } from './app.ts';
export { parseYamlDocuments, readManifestDir } from './body.ts';
export type { AppEnv } from './context.ts';
export { type GatewayLaneDeps, gatewayLane, type NativeLane } from './gateway-lane.ts';
export { PROBLEM_CONTENT_TYPE, toProblem } from './problem.ts';
export type { KnowledgeAccess } from './routes/knowledge.ts';
export type { McpGateway } from './routes/mcp.ts';
export type { ToolAccess } from './routes/tools.ts';
export { type RunningServer, startServer } from './server.ts';
