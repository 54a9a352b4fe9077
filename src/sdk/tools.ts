import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { z } from 'zod';

/** Where the tool gateway puts a call's secrets (ToolServer `secrets`) in the MCP request's `_meta`. */
export const SECRETS_META_KEY = 'agenticai.dev/secrets';

/** MCP tool annotations, as `kind: Tool` manifests write them. */
export interface ToolHints {
  title?: string;
  readOnly?: boolean;
  destructive?: boolean;
  idempotent?: boolean;
  openWorld?: boolean;
}

/** What a tool's `run` gets besides its arguments. */
export interface ToolRunContext {
  /** Aborted when the caller gives up or the gateway's timeout passes: stop work and throw. */
  signal: AbortSignal;
  /** Credentials injected into this call by the platform (or given to serveTools for local runs). */
  secrets: { get(name: string): string };
  /** The W3C trace context of the call, when the gateway sent one. */
  traceparent: string | undefined;
}

/** A tool's answer: text, a JSON value (sent as structured content and as its text), or MCP content. */
export type ToolAnswer =
  | string
  | Record<string, unknown>
  | {
      content: Array<{ type: 'text'; text: string }>;
      isError?: boolean;
      structuredContent?: Record<string, unknown>;
    };

export interface ToolDefinition<Input extends z.ZodObject> {
  name: string;
  description: string;
  /** The arguments (zod): checked before `run`, and published to callers as JSON Schema. */
  input: Input;
  annotations?: ToolHints;
  run(context: ToolRunContext, args: z.output<Input>): Promise<ToolAnswer> | ToolAnswer;
}

/** A tool for serveTools: checked, described and typed by its zod input. */
export function defineTool<Input extends z.ZodObject>(
  definition: ToolDefinition<Input>,
): ToolDefinition<Input> {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(definition.name))
    throw new TypeError(`tool name "${definition.name}" must be letters, digits, _, . or -`);
  return definition;
}

/** Thrown by `run` for a failure the caller should read (an MCP error result), not a crash. */
export class ToolError extends Error {
  override name = 'ToolError';
}

export interface ServeToolsOptions {
  port?: number;
  host?: string;
  /** The server's name and version, as MCP clients see them. */
  name?: string;
  version?: string;
  /** Values `ctx.secrets.get` falls back to when the call carries none (local development). */
  secrets?: Record<string, string>;
  /** The MCP endpoint's path (default /mcp). */
  path?: string;
}

export interface ServedTools {
  /** The MCP endpoint, e.g. http://127.0.0.1:7101/mcp. */
  url: string;
  port: number;
  /** Adds a tool while serving; connected clients get notifications/tools/list_changed. */
  add(tool: ToolDefinition<z.ZodObject>): void;
  /** Removes a tool while serving; connected clients get notifications/tools/list_changed. */
  remove(name: string): void;
  close(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: tools of any input shape share one list.
type AnyTool = ToolDefinition<any>;

interface McpAnswer {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
}

function toResult(answer: ToolAnswer): McpAnswer {
  if (typeof answer === 'string') return { content: [{ type: 'text', text: answer }] };
  if (Array.isArray((answer as { content?: unknown }).content)) return answer as McpAnswer;
  return {
    content: [{ type: 'text', text: JSON.stringify(answer) }],
    structuredContent: answer as Record<string, unknown>,
  };
}

/**
 * Serves tools as an MCP server over Streamable HTTP (one MCP session per client, so each gets
 * `tools/list_changed` when tools come and go). Arguments are checked with each tool's zod schema
 * before `run`; a `ToolError` becomes an error result with its message, any other failure an
 * error result that says the tool failed. Register the URL with the platform as a `kind: ToolServer`.
 */
export async function serveTools(
  tools: readonly AnyTool[],
  options: ServeToolsOptions = {},
): Promise<ServedTools> {
  const path = options.path ?? '/mcp';
  const current = new Map<string, AnyTool>(tools.map((tool) => [tool.name, tool]));
  const sessions = new Map<
    string,
    { server: McpServer; transport: StreamableHTTPServerTransport; registered: Map<string, RegisteredTool> }
  >();

  const register = (server: McpServer, tool: AnyTool): RegisteredTool =>
    server.registerTool(
      tool.name,
      {
        description: tool.description,
        inputSchema: tool.input.shape,
        annotations: {
          ...(tool.annotations?.title ? { title: tool.annotations.title } : {}),
          ...(tool.annotations?.readOnly === undefined ? {} : { readOnlyHint: tool.annotations.readOnly }),
          ...(tool.annotations?.destructive === undefined
            ? {}
            : { destructiveHint: tool.annotations.destructive }),
          ...(tool.annotations?.idempotent === undefined
            ? {}
            : { idempotentHint: tool.annotations.idempotent }),
          ...(tool.annotations?.openWorld === undefined ? {} : { openWorldHint: tool.annotations.openWorld }),
        },
      },
      async (
        args: unknown,
        extra: { signal: AbortSignal; _meta?: Record<string, unknown> },
      ): Promise<McpAnswer> => {
        const injected = (extra._meta?.[SECRETS_META_KEY] ?? {}) as Record<string, unknown>;
        const context: ToolRunContext = {
          signal: extra.signal,
          traceparent: typeof extra._meta?.traceparent === 'string' ? extra._meta.traceparent : undefined,
          secrets: {
            get(name) {
              const value = injected[name] ?? options.secrets?.[name];
              if (typeof value !== 'string') throw new ToolError(`secret ${name} was not given to this call`);
              return value;
            },
          },
        };
        try {
          return toResult(await tool.run(context, args));
        } catch (error) {
          if (extra.signal.aborted) throw error;
          const message =
            error instanceof ToolError ? error.message : `${tool.name} failed: ${(error as Error).message}`;
          return { content: [{ type: 'text', text: message }], isError: true };
        }
      },
    ) as RegisteredTool;

  const newSession = async (): Promise<StreamableHTTPServerTransport> => {
    const server = new McpServer(
      { name: options.name ?? 'agenticai-tools', version: options.version ?? '1.0.0' },
      { capabilities: { tools: { listChanged: true } } },
    );
    const registered = new Map([...current.values()].map((tool) => [tool.name, register(server, tool)]));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // A call is answered in one JSON body rather than an SSE stream: less work on both sides.
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        sessions.set(id, { server, transport, registered });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return transport;
  };

  const http: Server = createServer(async (request, response) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== path) {
      response.writeHead(404).end();
      return;
    }
    try {
      const id = request.headers['mcp-session-id'];
      const session = typeof id === 'string' ? sessions.get(id) : undefined;
      if (typeof id === 'string' && !session) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }),
        );
        return;
      }
      const transport = session?.transport ?? (await newSession());
      await transport.handleRequest(request as IncomingMessage, response);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500).end(String((error as Error).message));
    }
  });
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`,
    port,
    add(tool) {
      current.set(tool.name, tool);
      for (const session of sessions.values())
        session.registered.set(tool.name, register(session.server, tool));
    },
    remove(name) {
      current.delete(name);
      for (const session of sessions.values()) {
        session.registered.get(name)?.remove();
        session.registered.delete(name);
      }
    },
    async close() {
      await Promise.all(
        [...sessions.values()].map((session) => session.server.close().catch(() => undefined)),
      );
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
