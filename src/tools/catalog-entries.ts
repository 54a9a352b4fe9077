import {
  type HttpToolConfig,
  HttpToolConfigSchema,
  type OpenApiToolConfig,
  parseJson,
  type SecretRef,
  type Tool,
  type ToolAnnotations,
  type ToolAuthentication,
  type ToolInfo,
} from '../contracts/index.ts';
import { type ToolResult, ToolUnavailableError } from '../runtime/index.ts';
import { type AgentRunner, agentEntry } from './agent-entry.ts';
import { type ParameterEntry, toJsonSchema } from './argument-schema.ts';
import type { BuiltinTool } from './builtin-tool.ts';
import { callHttpTool } from './http/http-tool.ts';
import type { OAuthTokens } from './http/oauth2.ts';
import { type OpenApiDocument, operationRequest } from './http/openapi-operations.ts';
import { builtinEntry, sandboxEntry } from './in-process-entries.ts';
import type { McpCallResult, McpTool } from './mcp/mcp-connection.ts';
import { NAMESPACE_SEPARATOR, type ToolServerManager } from './mcp/tool-server-manager.ts';
import { capResult, redactSecrets } from './result-shaping.ts';

/** What one call needs besides its arguments. */
export interface ToolCallContext {
  signal: AbortSignal;
  idempotencyKey?: string | undefined;
  /** The agent's per-reference settings (built-in tools read theirs). */
  config?: Record<string, unknown> | undefined;
  /** W3C trace context passed on to the tool (HTTP `traceparent` header, MCP `_meta`). */
  traceparent?: string | undefined;
  /** The run making the call (a run's built-in tools keep per-run state: code_interpreter). */
  runId?: string | undefined;
  /** Who makes a direct call (agent tools run their child run as this principal). */
  principal?: string | undefined;
}

/** A call's result and whether it was cut to the size cap. */
export interface ToolOutcome {
  result: ToolResult;
  truncated: boolean;
}

/** A tool of a tenant's catalog: how discovery shows it and how it is called. */
export interface CatalogEntry {
  info: ToolInfo;
  idempotent: boolean;
  destructive: boolean;
  /** Built-in tools check a reference's config. */
  builtin?: BuiltinTool;
  run(tenantId: string, args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome>;
}

/** What building and calling catalog entries needs. */
export interface EntryDeps {
  builtins: readonly BuiltinTool[];
  /**
   * Runs `type: sandbox` tools' scripts (from the sandbox component); without it such tools are
   * left out of the catalog.
   */
  sandboxScript?: BuiltinTool | undefined;
  servers: ToolServerManager;
  secret: (tenantId: string, ref: SecretRef, signal?: AbortSignal) => Promise<string>;
  oauth: OAuthTokens;
  maxResultBytes: number;
  /** Runs `type: agent` tools' agents (the orchestrator, bound once runs are wired); absent: no agent tools. */
  agents?: { runner?: AgentRunner | undefined } | undefined;
}

/** MCP's defaults when a tool says nothing: it may change the world, destructively, not idempotently. */
export function hintsOf(annotations: ToolAnnotations): { destructive: boolean; idempotent: boolean } {
  const readOnly = annotations.readOnly === true;
  return {
    destructive: annotations.destructive ?? !readOnly,
    idempotent: annotations.idempotent ?? readOnly,
  };
}

/**
 * A registered tool's catalog entry. `discovered` finds a tool server's tool as discovered: a
 * `type: mcp` tool that leaves out its parameters, description or annotations takes the server's.
 */
export function manifestEntry(
  deps: EntryDeps,
  manifest: Tool,
  discovered: (server: string, tool: string) => CatalogEntry | undefined = () => undefined,
): CatalogEntry | null {
  const { spec, metadata } = manifest;
  if (spec.type === 'builtin') {
    const { builtin, ...fixed } = (spec.config ?? {}) as { builtin: string };
    const tool = deps.builtins.find((candidate) => candidate.name === builtin);
    return tool ? builtinEntry(deps, tool, metadata.name, fixed, manifest) : null;
  }
  if (spec.type === 'sandbox') return sandboxEntry(deps, manifest);
  if (spec.type === 'agent') return agentEntry(deps, manifest);
  if (spec.type === 'mcp') {
    const { server, tool } = spec.config as { server: string; tool: string };
    const found = discovered(server, tool)?.info;
    const annotations = spec.annotations ?? found?.annotations ?? {};
    return {
      info: {
        name: metadata.name,
        type: 'mcp',
        source: 'manifest',
        description: spec.description ?? found?.description ?? `${tool} on tool server ${server}`,
        parameters:
          spec.parameters === undefined && found
            ? found.parameters
            : toJsonSchema(spec.parameters as Record<string, unknown> | ParameterEntry[] | undefined),
        annotations,
        labels: metadata.labels,
        version: spec.version ?? null,
        server,
      },
      ...hintsOf(annotations),
      run: (tenantId, args, context) => callServer(deps, tenantId, server, tool, args, context),
    };
  }
  const config = HttpToolConfigSchema.parse(spec.config ?? {}) as HttpToolConfig;
  const readOnlyMethod = config.method === 'GET';
  const annotations = { readOnly: readOnlyMethod, ...spec.annotations };
  return {
    info: {
      name: metadata.name,
      type: 'http',
      source: 'manifest',
      description: spec.description ?? metadata.name,
      parameters: toJsonSchema(spec.parameters as Record<string, unknown> | ParameterEntry[] | undefined),
      annotations,
      labels: metadata.labels,
      version: spec.version ?? null,
      server: null,
    },
    destructive: annotations.destructive ?? !(annotations.readOnly ?? false),
    idempotent:
      annotations.idempotent ??
      (annotations.readOnly === true || ['GET', 'PUT', 'DELETE'].includes(config.method)),
    run: (tenantId, args, context) =>
      runHttp(deps, tenantId, metadata.name, config, spec.authentication, args, context),
  };
}

/** One HTTP call of an http or openapi tool: credentials injected, and stripped from the answer. */
async function runHttp(
  deps: EntryDeps,
  tenantId: string,
  name: string,
  config: HttpToolConfig,
  authentication: ToolAuthentication | undefined,
  args: Record<string, unknown>,
  context: ToolCallContext,
): Promise<ToolOutcome> {
  const used = new Map<string, string>();
  const outcome = await callHttpTool({
    name,
    config,
    authentication,
    args,
    signal: context.signal,
    idempotencyKey: context.idempotencyKey,
    traceparent: context.traceparent,
    maxResultBytes: config.maxResultBytes ?? deps.maxResultBytes,
    secret: async (ref) => {
      const value = await deps.secret(tenantId, ref, context.signal);
      used.set(ref.name, value);
      return value;
    },
    oauthToken: (auth, secret, internal, signal) => deps.oauth.token(auth, secret, internal, signal),
  });
  const result: ToolResult = {
    content: [{ type: 'text', text: redactSecrets(outcome.text, used) }],
    isError: outcome.isError,
    ...(outcome.structured === undefined ? {} : { structured: redactedValue(outcome.structured, used) }),
  };
  return { result, truncated: outcome.truncated };
}

/**
 * The tools of a `type: openapi` manifest, one per operation (`NAME__operationId`), or, when its
 * document could not be loaded, one tool that says why when called.
 */
export function openApiEntries(
  deps: EntryDeps,
  manifest: Tool,
  document: OpenApiDocument | Error,
): CatalogEntry[] {
  const { spec, metadata } = manifest;
  const config = spec.config as OpenApiToolConfig;
  const info = (
    name: string,
    description: string,
    parameters: Record<string, unknown>,
    readOnly: boolean,
  ) => ({
    name,
    type: 'openapi' as const,
    source: 'manifest' as const,
    description,
    parameters,
    annotations: { readOnly, ...spec.annotations },
    labels: metadata.labels,
    version: spec.version ?? null,
    server: null,
  });
  if (document instanceof Error)
    return [
      {
        info: info(
          metadata.name,
          `(unavailable: ${document.message})`,
          { type: 'object', properties: {} },
          true,
        ),
        destructive: false,
        idempotent: true,
        run: async () => ({
          result: errorText(
            `${metadata.name}: its OpenAPI document could not be loaded: ${document.message}`,
          ),
          truncated: false,
        }),
      },
    ];
  return document.operations.map((operation) => {
    const annotations = { readOnly: operation.readOnly, ...spec.annotations };
    return {
      info: info(
        `${metadata.name}${NAMESPACE_SEPARATOR}${operation.operationId}`,
        operation.description,
        operation.parameters,
        operation.readOnly,
      ),
      destructive: annotations.destructive ?? !annotations.readOnly,
      idempotent: annotations.idempotent ?? ['get', 'put', 'delete'].includes(operation.method),
      run: (tenantId, args, context) =>
        runHttp(
          deps,
          tenantId,
          `${metadata.name}${NAMESPACE_SEPARATOR}${operation.operationId}`,
          operationRequest(document, operation, config, args),
          spec.authentication,
          {},
          context,
        ),
    };
  });
}

export function serverEntry(deps: EntryDeps, server: string, tool: McpTool): CatalogEntry {
  const annotations: ToolAnnotations = {
    ...(tool.annotations.title ? { title: tool.annotations.title } : {}),
    ...(tool.annotations.readOnlyHint === undefined ? {} : { readOnly: tool.annotations.readOnlyHint }),
    ...(tool.annotations.destructiveHint === undefined
      ? {}
      : { destructive: tool.annotations.destructiveHint }),
    ...(tool.annotations.idempotentHint === undefined ? {} : { idempotent: tool.annotations.idempotentHint }),
    ...(tool.annotations.openWorldHint === undefined ? {} : { openWorld: tool.annotations.openWorldHint }),
  };
  return {
    info: {
      name: `${server}${NAMESPACE_SEPARATOR}${tool.name}`,
      type: 'mcp',
      source: 'server',
      description: tool.description,
      parameters: tool.inputSchema,
      annotations,
      labels: {},
      version: null,
      server,
    },
    ...hintsOf(annotations),
    run: (tenantId, args, context) => callServer(deps, tenantId, server, tool.name, args, context),
  };
}

async function callServer(
  deps: EntryDeps,
  tenantId: string,
  server: string,
  tool: string,
  args: Record<string, unknown>,
  context: ToolCallContext,
): Promise<ToolOutcome> {
  const connection = deps.servers.connection(tenantId, server);
  if (!connection)
    return { result: errorText(`tool server "${server}" is not registered`), truncated: false };
  const injected = new Map<string, string>();
  let answer: McpCallResult;
  try {
    // The server's declared credentials travel with each call, read now: a changed secret is the next call's.
    for (const [name, { secretRef }] of Object.entries(connection.spec.secrets ?? {}))
      injected.set(name, await deps.secret(tenantId, secretRef, context.signal));
    const meta: Record<string, unknown> = {
      ...(context.traceparent ? { traceparent: context.traceparent } : {}),
      ...(injected.size > 0 ? { [SECRETS_META_KEY]: Object.fromEntries(injected) } : {}),
    };
    answer = await connection.call(tool, args, {
      signal: context.signal,
      meta: Object.keys(meta).length > 0 ? meta : undefined,
    });
  } catch (error) {
    if (context.signal.aborted) throw context.signal.reason;
    const name = `${server}${NAMESPACE_SEPARATOR}${tool}`;
    // The server is not there: the caller decides (a run retries or pauses, a direct call reports).
    if (error instanceof ToolUnavailableError)
      throw new ToolUnavailableError(name, `${name} failed: ${error.message}`, error.inDoubt, {
        cause: error,
      });
    return { result: errorText(`${name} failed: ${(error as Error).message}`), truncated: false };
  }
  const result: ToolResult = {
    content: answer.content
      .map(asText)
      .map((part) => ({ ...part, text: redactSecrets(part.text, injected) })),
    isError: answer.isError === true,
    ...(answer.structuredContent === undefined
      ? {}
      : { structured: redactedValue(answer.structuredContent, injected) }),
  };
  return capResult(result, deps.maxResultBytes);
}

/** Where a call's credentials go in an MCP request's `_meta` (the tool SDK's ctx.secrets). */
export const SECRETS_META_KEY = 'agenticai.dev/secrets';

/** MCP content the runtimes pass to a model as text: images and resources are described. */
function asText(part: { type: string; [key: string]: unknown }): { type: 'text'; text: string } {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: String(part.text ?? '') };
    case 'image':
    case 'audio':
      return {
        type: 'text',
        text: `[${part.type}: ${String(part.mimeType ?? 'unknown type')}, ${Math.floor((String(part.data ?? '').length * 3) / 4)} bytes]`,
      };
    case 'resource': {
      const resource = (part.resource ?? {}) as { uri?: unknown; text?: unknown };
      return {
        type: 'text',
        text: typeof resource.text === 'string' ? resource.text : `[resource: ${String(resource.uri)}]`,
      };
    }
    case 'resource_link':
      return { type: 'text', text: `[resource link: ${String(part.uri)}]` };
    default:
      return { type: 'text', text: `[${part.type} content]` };
  }
}

/** A JSON value with every injected secret value replaced (see redactSecrets). */
function redactedValue(value: unknown, used: ReadonlyMap<string, string>): unknown {
  const parsed = parseJson(redactSecrets(JSON.stringify(value), used));
  return parsed.ok ? parsed.value : null;
}

export const errorText = (text: string): ToolResult => ({ content: [{ type: 'text', text }], isError: true });
