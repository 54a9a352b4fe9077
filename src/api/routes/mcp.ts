import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Hono } from 'hono';
import type { ToolInfo } from '../../contracts/index.ts';
import { AppError } from '../../core/index.ts';
import type { Authenticator, Caller } from '../../identity/index.ts';
import type { AppEnv } from '../context.ts';
import type { ToolCalls } from './tools.ts';

/** The permission the MCP gateway needs, as for `:invoke`. */
const PERMISSION = 'tools:invoke';

export interface McpGateway {
  /** The tools the caller may use (those its policies do not deny outright). */
  tools(caller: Caller): Promise<ToolInfo[]>;
  calls: ToolCalls;
  /** How long a call behind an approval gate waits for the approval before failing with its id. */
  approvalWaitMs: number;
  version: string;
}

const jsonRpcError = (status: number, code: number, message: string) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json' },
  });

/**
 * `/mcp`: the MCP gateway (Streamable HTTP, stateless). MCP clients (Claude Desktop, IDEs, other
 * agents) authenticate with a platform API key or JWT as a bearer token and get the tenant's tools
 * as one MCP server: `tools/list` shows the tools the principal may use, `tools/call` runs one
 * through the same governance as `:invoke` (policy, approvals, masking, audit). A call behind an
 * approval gate waits for a person up to `approvalWaitMs`, then answers with the result, or with
 * an error naming the approval (call again once it is approved).
 */
export function mcpRoutes(app: Hono<AppEnv>, authenticator: Authenticator, mcp: McpGateway): void {
  // One validator for every request's server: building one (Ajv and its meta-schemas) costs more
  // than the rest of a call.
  const jsonSchemaValidator = new AjvJsonSchemaValidator();
  app.all('/mcp', async (c) => {
    let caller: Caller;
    try {
      caller = await authenticator.authenticate(c.req.header('authorization'));
    } catch {
      return jsonRpcError(401, -32001, 'a platform API key (Authorization: Bearer ...) is required');
    }
    c.set('caller', caller);
    if (!caller.permissions.has(PERMISSION))
      return jsonRpcError(403, -32001, `${caller.principalName} lacks the permission ${PERMISSION}`);
    const requestId = c.get('requestId');
    const server = new Server(
      { name: 'agenticai', version: mcp.version },
      {
        capabilities: { tools: {} },
        instructions: 'Tools of this tenant, governed and audited by agenticai.',
        jsonSchemaValidator,
      },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: (await mcp.tools(caller)).map((tool) => ({
        name: tool.name,
        description: tool.description,
        inputSchema: tool.parameters as { type: 'object'; [key: string]: unknown },
        annotations: {
          ...(tool.annotations.title ? { title: tool.annotations.title } : {}),
          ...(tool.annotations.readOnly === undefined ? {} : { readOnlyHint: tool.annotations.readOnly }),
          ...(tool.annotations.destructive === undefined
            ? {}
            : { destructiveHint: tool.annotations.destructive }),
          ...(tool.annotations.idempotent === undefined
            ? {}
            : { idempotentHint: tool.annotations.idempotent }),
          ...(tool.annotations.openWorld === undefined ? {} : { openWorldHint: tool.annotations.openWorld }),
        },
      })),
    }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const traceparent = request.params._meta?.traceparent;
      try {
        const result = await mcp.calls.invoke(caller, request.params.name, request.params.arguments ?? {}, {
          signal: extra.signal,
          requestId,
          traceparent: typeof traceparent === 'string' ? traceparent : undefined,
          waitMs: mcp.approvalWaitMs,
        });
        return {
          content: result.content as Array<{ type: 'text'; text: string }>,
          isError: result.isError,
          ...(result.structuredContent && typeof result.structuredContent === 'object'
            ? { structuredContent: result.structuredContent as Record<string, unknown> }
            : {}),
          _meta: { 'agenticai.dev/audit-id': result.auditId },
        };
      } catch (error) {
        if (error instanceof AppError && error.code === 'NOT_FOUND')
          throw new McpError(ErrorCode.InvalidParams, `unknown tool ${request.params.name}`);
        // Refusals (policy, approval, bad arguments) are results the model can read and act on.
        if (error instanceof AppError && error.code !== 'INTERNAL')
          return { content: [{ type: 'text' as const, text: error.message }], isError: true };
        throw error;
      }
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      // Stateless: the server lives for this one request.
      void server.close();
    }
  });
}
