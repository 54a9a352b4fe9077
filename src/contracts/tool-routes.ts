import { z } from 'zod';
import { LabelSelectorQuery } from './agent-routes.ts';
import { NameSchema, PageQuerySchema, pageSchema } from './common.ts';
import { defineRoute } from './route.ts';
import { ToolServerSchema, ToolServerWriteSchema } from './tool-servers.ts';
import {
  TOOL_SOURCES,
  ToolInfoSchema,
  ToolInvokeRequestSchema,
  ToolInvokeResultSchema,
  ToolSchema,
  ToolWriteSchema,
} from './tools.ts';

const NameParams = z.object({ name: NameSchema });
/** Tools discovered on a server are named SERVER__TOOL, which is not a DNS label. */
const ToolNameParams = z.object({ name: z.string().min(1).max(320) });

export const ToolQuerySchema = PageQuerySchema.extend({
  search: z.string().max(256).optional().describe('Words that must all appear in the name or description'),
  type: z.enum(['http', 'openapi', 'builtin', 'mcp']).optional(),
  source: z.enum(TOOL_SOURCES).optional(),
  label: z.string().max(1024).optional().describe('Label selector, e.g. team=soc'),
});

export const toolRoutes = {
  listTools: defineRoute({
    operationId: 'listTools',
    method: 'get',
    path: '/api/v1/tools',
    tag: 'tools',
    summary: 'Discover tools: built-in, registered (kind: Tool) and discovered on tool servers',
    permission: 'tools:read',
    query: ToolQuerySchema,
    success: { status: 200, description: 'A page of tools, by name', schema: pageSchema(ToolInfoSchema) },
  }),
  getTool: defineRoute({
    operationId: 'getTool',
    method: 'get',
    path: '/api/v1/tools/{name}',
    tag: 'tools',
    summary: 'A tool as agents see it: description, argument schema, annotations',
    permission: 'tools:read',
    params: ToolNameParams,
    success: { status: 200, description: 'The tool', schema: ToolInfoSchema },
  }),
  invokeTool: defineRoute({
    operationId: 'invokeTool',
    method: 'post',
    path: '/api/v1/tools/{name}:invoke',
    tag: 'tools',
    summary: "Call a tool directly, governed like an agent's call",
    description:
      "The arguments are checked against the tool's schema (a 400 lists the bad fields; nothing is called), " +
      'the policy decides (deny: 403; a call that needs an approval: 403 APPROVAL_REQUIRED naming the rule, ' +
      'since a direct call has no run to pause), secrets are injected into this call only, and the call is ' +
      'recorded, masked, as a tool_call audit record whose id comes back. A failure of the tool itself is ' +
      'a 200 with `isError: true`, as in MCP.',
    permission: 'tools:invoke',
    params: ToolNameParams,
    body: ToolInvokeRequestSchema,
    success: { status: 200, description: 'The result (MCP shape)', schema: ToolInvokeResultSchema },
  }),
  createTool: defineRoute({
    operationId: 'createTool',
    method: 'post',
    path: '/api/v1/tools',
    tag: 'tools',
    summary: 'Register a tool (kind: Tool)',
    permission: 'tools:write',
    body: ToolWriteSchema,
    etag: true,
    success: { status: 201, description: 'Created', schema: ToolSchema },
  }),
  replaceTool: defineRoute({
    operationId: 'replaceTool',
    method: 'put',
    path: '/api/v1/tools/{name}',
    tag: 'tools',
    summary: 'Replace a registered tool',
    permission: 'tools:write',
    params: NameParams,
    body: ToolWriteSchema,
    etag: true,
    success: { status: 200, description: 'Updated', schema: ToolSchema },
  }),
  deleteTool: defineRoute({
    operationId: 'deleteTool',
    method: 'delete',
    path: '/api/v1/tools/{name}',
    tag: 'tools',
    summary: 'Delete a registered tool',
    permission: 'tools:write',
    params: NameParams,
    etag: true,
    success: { status: 204, description: 'Deleted' },
  }),
  listToolServers: defineRoute({
    operationId: 'listToolServers',
    method: 'get',
    path: '/api/v1/tool-servers',
    tag: 'tools',
    summary: 'List MCP tool servers with their connection state and tools',
    permission: 'tools:read',
    query: PageQuerySchema.extend(LabelSelectorQuery.shape),
    success: { status: 200, description: 'A page of tool servers', schema: pageSchema(ToolServerSchema) },
  }),
  createToolServer: defineRoute({
    operationId: 'createToolServer',
    method: 'post',
    path: '/api/v1/tool-servers',
    tag: 'tools',
    summary: 'Connect an MCP server (kind: ToolServer); its tools are registered as SERVER__TOOL',
    description:
      'A stdio server runs a command on the platform host: only commands the operator allows ' +
      '(`toolServers.stdioCommands`) are accepted. A streamable-http server at a private or loopback ' +
      'address needs `internal: true`.',
    permission: 'tools:write',
    body: ToolServerWriteSchema,
    etag: true,
    success: { status: 201, description: 'Created', schema: ToolServerSchema },
  }),
  getToolServer: defineRoute({
    operationId: 'getToolServer',
    method: 'get',
    path: '/api/v1/tool-servers/{name}',
    tag: 'tools',
    summary: 'Get a tool server with its connection state',
    permission: 'tools:read',
    params: NameParams,
    etag: true,
    success: { status: 200, description: 'The tool server', schema: ToolServerSchema },
  }),
  replaceToolServer: defineRoute({
    operationId: 'replaceToolServer',
    method: 'put',
    path: '/api/v1/tool-servers/{name}',
    tag: 'tools',
    summary: 'Replace a tool server (it reconnects)',
    permission: 'tools:write',
    params: NameParams,
    body: ToolServerWriteSchema,
    etag: true,
    success: { status: 200, description: 'Updated', schema: ToolServerSchema },
  }),
  deleteToolServer: defineRoute({
    operationId: 'deleteToolServer',
    method: 'delete',
    path: '/api/v1/tool-servers/{name}',
    tag: 'tools',
    summary: 'Disconnect and delete a tool server',
    permission: 'tools:write',
    params: NameParams,
    etag: true,
    success: { status: 204, description: 'Deleted' },
  }),
} as const;
