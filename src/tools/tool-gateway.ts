import type { Tracer } from '@opentelemetry/api';
import {
  SPAN_ATTRIBUTES as A,
  type FieldError,
  type OpenApiToolConfig,
  type Page,
  parseJson,
  SPAN_NAMES,
  type Tool,
  type ToolInfo,
} from '../contracts/index.ts';
import {
  AppError,
  activeTraceparent,
  decodeCursor,
  encodeCursor,
  inSpan,
  NameCursorSchema,
  NO_TELEMETRY,
} from '../core/index.ts';
import type {
  ToolDefinition,
  ToolInvokeOptions,
  ToolInvoker,
  ToolRef,
  ToolResult,
} from '../runtime/index.ts';
import type { AgentRunner } from './agent-entry.ts';
import type { ArgumentValidator } from './argument-schema.ts';
import {
  type CatalogEntry,
  type EntryDeps,
  errorText,
  manifestEntry,
  openApiEntries,
  serverEntry,
  type ToolCallContext,
  type ToolOutcome,
} from './catalog-entries.ts';
import { loadOpenApi, type OpenApiDocument } from './http/openapi-operations.ts';
import { builtinEntry } from './in-process-entries.ts';
import type { McpTool } from './mcp/mcp-connection.ts';
import { NAMESPACE_SEPARATOR } from './mcp/tool-server-manager.ts';
import { resolveToolRefs } from './resolve-refs.ts';

export type { ToolCallContext, ToolOutcome } from './catalog-entries.ts';

export interface ToolGatewayOptions extends EntryDeps {
  /** The tenant's registered tools (kind: Tool). */
  manifests: (tenantId: string) => Promise<Tool[]>;
  validator: ArgumentValidator;
  /** The argument limits the tenant's policies put on a tool, in words (added to what the model sees). */
  limits?: (tenantId: string, tool: string) => Promise<string[]>;
  /** Each call is a `Tool.Execute` span, its trace context passed on to the tool. */
  tracer?: Tracer | undefined;
}

/**
 * The tool gateway: each tenant's catalog (built-in tools, registered `kind: Tool`s, tools
 * discovered on its MCP servers as SERVER__TOOL), discovery over it, and calls. A call checks its
 * arguments against the tool's JSON Schema, injects the secrets it needs (into that call only),
 * runs it within its timeout and the caller's signal, strips any injected secret that comes back,
 * and cuts what is past the size cap. It implements the runtimes' ToolInvoker; governance (policy,
 * masking, audit) wraps it, for runs in the orchestrator and for direct calls in ToolCallService.
 */
export class ToolGateway implements ToolInvoker {
  readonly #options: ToolGatewayOptions;
  readonly #manifests = new Map<string, Promise<Tool[]>>();
  readonly #documents = new Map<string, Promise<OpenApiDocument | Error>>();
  /**
   * Catalog entries built once and reused by every call: the built-ins; a tool server's tools by
   * the discovered tool (a refresh brings new objects); a manifest's by the manifest object (read
   * again when it changes), and an openapi manifest's by its loaded document as well.
   */
  #builtins: Map<string, CatalogEntry> | undefined;
  readonly #serverEntries = new WeakMap<McpTool, CatalogEntry>();
  readonly #manifestEntries = new WeakMap<Tool, CatalogEntry | null>();
  readonly #openApiEntries = new WeakMap<
    Tool,
    { document: OpenApiDocument | Error; entries: CatalogEntry[] }
  >();

  constructor(options: ToolGatewayOptions) {
    this.#options = options;
  }

  /** Binds the runner of `type: agent` tools (the orchestrator is wired after the tools). */
  useAgentRunner(runner: AgentRunner): void {
    this.#options.agents = { runner };
  }

  /** The tenant's registered tools changed: read them again on next use. */
  invalidate(tenantId: string): void {
    this.#manifests.delete(tenantId);
  }

  async list(
    tenantId: string,
    query: {
      limit: number;
      cursor?: string | undefined;
      search?: string | undefined;
      type?: string | undefined;
      source?: string | undefined;
      labels?: Record<string, string> | undefined;
    },
  ): Promise<Page<ToolInfo>> {
    const after = decodeCursor(query.cursor, NameCursorSchema)?.name;
    const words = (query.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const matching = [...(await this.#catalog(tenantId)).values()]
      .map((entry) => entry.info)
      .filter((info) => after === undefined || info.name > after)
      .filter((info) => !query.type || info.type === query.type)
      .filter((info) => !query.source || info.source === query.source)
      .filter((info) =>
        Object.entries(query.labels ?? {}).every(([key, value]) => info.labels[key] === value),
      )
      .filter((info) =>
        words.every((word) => `${info.name} ${info.description}`.toLowerCase().includes(word)),
      )
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const items = matching.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor: matching.length > query.limit && last ? encodeCursor({ name: last.name }) : null,
    };
  }

  /** Throws NOT_FOUND. */
  async get(tenantId: string, name: string): Promise<ToolInfo> {
    return (await this.#entry(tenantId, name)).info;
  }

  /** A tool with what its catalog entry says of it (MCP's defaults applied). Throws NOT_FOUND. */
  async lookup(tenantId: string, name: string): Promise<{ info: ToolInfo; destructive: boolean }> {
    const entry = await this.#entry(tenantId, name);
    return { info: entry.info, destructive: entry.destructive };
  }

  /** Problems with a call's arguments (pointers into them); empty when they conform. Fills defaults in. */
  async check(tenantId: string, name: string, args: Record<string, unknown>): Promise<FieldError[]> {
    return this.#options.validator.validate((await this.#entry(tenantId, name)).info.parameters, args);
  }

  /** Throws NOT_FOUND for an unknown tool; arguments must already be checked. */
  async call(
    tenantId: string,
    name: string,
    args: Record<string, unknown>,
    context: ToolCallContext,
  ): Promise<ToolOutcome & { destructive: boolean }> {
    const entry = await this.#entry(tenantId, name);
    const outcome = await this.#run(entry, tenantId, args, context);
    return { ...outcome, destructive: entry.destructive };
  }

  /**
   * Runs a call in a `Tool.Execute` span (GenAI `execute_tool`; seed names `tool.name`,
   * `tool.input_size`), passing the span's `traceparent` to the tool (HTTP header, MCP `_meta`,
   * sandbox environment). Arguments and results stay out of the span.
   */
  #run(
    entry: CatalogEntry,
    tenantId: string,
    args: Record<string, unknown>,
    context: ToolCallContext,
  ): Promise<ToolOutcome> {
    const tracer = this.#options.tracer ?? NO_TELEMETRY.tracer;
    return inSpan(
      tracer,
      SPAN_NAMES.tool,
      {
        [A.toolName]: entry.info.name,
        [A.genAiToolName]: entry.info.name,
        [A.genAiOperation]: 'execute_tool',
        [A.toolType]: entry.info.type,
        [A.toolInputSize]: Buffer.byteLength(JSON.stringify(args)),
        ...(tenantId ? { [A.tenantId]: tenantId } : {}),
      },
      async (span) => {
        const outcome = await entry.run(tenantId, args, {
          ...context,
          traceparent: activeTraceparent() ?? context.traceparent,
        });
        span.setAttribute(A.toolOutcome, outcome.result.isError ? 'error' : 'ok');
        if (outcome.truncated) span.setAttribute('tool.truncated', true);
        return outcome;
      },
    );
  }

  // ToolInvoker, for the runtimes.

  /** A tool's description as a model should see it: with the limits the policies will enforce. */
  async describe(tenantId: string, info: ToolInfo): Promise<string> {
    const limits = (await this.#options.limits?.(tenantId, info.name)) ?? [];
    return limits.length === 0
      ? info.description
      : `${info.description}\nLimits enforced by policy: ${limits.join('; ')}.`;
  }

  async resolve(refs: readonly ToolRef[], scope?: { tenantId: string }): Promise<ToolDefinition[]> {
    const catalog = scope
      ? await this.#catalogWith(
          scope.tenantId,
          refs.map((ref) => ref.name),
        )
      : this.#builtinCatalog();
    const descriptions = new Map<string, string>();
    if (scope)
      for (const ref of refs) {
        const entry = catalog.get(ref.name);
        if (entry) descriptions.set(ref.name, await this.describe(scope.tenantId, entry.info));
      }
    return resolveToolRefs(
      refs,
      (name) => {
        const entry = catalog.get(name);
        return (
          entry && {
            ...entry.info,
            description: descriptions.get(name) ?? entry.info.description,
            idempotent: entry.idempotent,
            destructive: entry.destructive,
            builtin: entry.builtin,
          }
        );
      },
      (name) => `unknown tool "${name}" (see actl get tools)`,
    );
  }

  /** A model's call: bad arguments and failures come back as error results it can act on. */
  async invoke(name: string, rawArgs: unknown, options: ToolInvokeOptions): Promise<ToolResult> {
    const tenantId = options.tenantId;
    const catalog = tenantId ? await this.#catalogWith(tenantId, [name]) : this.#builtinCatalog();
    const entry = catalog.get(name);
    if (!entry) return errorText(`unknown tool "${name}"`);
    let args = rawArgs;
    if (typeof args === 'string') {
      const parsed = args.trim() === '' ? { ok: true as const, value: {} } : parseJson(args);
      if (!parsed.ok) return errorText(`the arguments of ${name} are not valid JSON: ${parsed.error}`);
      args = parsed.value;
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      return errorText(`the arguments of ${name} must be a JSON object`);
    const record = args as Record<string, unknown>;
    const problems = this.#options.validator.validate(entry.info.parameters, record);
    if (problems.length > 0)
      return errorText(
        `invalid arguments for ${name}: ${problems.map((p) => `${p.pointer || '/'} ${p.detail}`).join('; ')}`,
      );
    const { result } = await this.#run(entry, tenantId ?? '', record, {
      signal: options.signal,
      idempotencyKey: options.idempotencyKey,
      config: options.config,
      runId: options.runId,
    });
    return result;
  }

  async #entry(tenantId: string, name: string): Promise<CatalogEntry> {
    const entry = (await this.#catalogWith(tenantId, [name])).get(name);
    if (!entry) throw new AppError('NOT_FOUND', `tool "${name}" not found (see GET /api/v1/tools)`);
    return entry;
  }

  #builtinCatalog(): Map<string, CatalogEntry> {
    this.#builtins ??= new Map(
      this.#options.builtins.map((tool) => [tool.name, builtinEntry(this.#options, tool, tool.name, {})]),
    );
    return new Map(this.#builtins);
  }

  /**
   * The catalog, read again when it lacks one of these names: the announcement of a tool applied
   * a moment ago (NOTIFY on commit) may still be on its way, even to the replica that wrote it.
   */
  async #catalogWith(tenantId: string, names: readonly string[]): Promise<Map<string, CatalogEntry>> {
    const catalog = await this.#catalog(tenantId);
    if (names.every((name) => catalog.has(name))) return catalog;
    this.invalidate(tenantId);
    return this.#catalog(tenantId);
  }

  async #catalog(tenantId: string): Promise<Map<string, CatalogEntry>> {
    const catalog = this.#builtinCatalog();
    for (const { server, tool } of this.#options.servers.tools(tenantId)) {
      let entry = this.#serverEntries.get(tool);
      if (!entry) {
        entry = serverEntry(this.#options, server, tool);
        this.#serverEntries.set(tool, entry);
      }
      catalog.set(entry.info.name, entry);
    }
    for (const manifest of await this.#manifestsOf(tenantId)) {
      if (manifest.spec.type === 'openapi') {
        const document = await this.#document(tenantId, manifest);
        let built = this.#openApiEntries.get(manifest);
        if (built?.document !== document) {
          built = { document, entries: openApiEntries(this.#options, manifest, document) };
          this.#openApiEntries.set(manifest, built);
        }
        for (const entry of built.entries) catalog.set(entry.info.name, entry);
        continue;
      }
      // An mcp manifest describes a discovered tool, which may change under it: built every time.
      let entry = this.#manifestEntries.get(manifest);
      if (entry === undefined) {
        entry = manifestEntry(this.#options, manifest, (server, tool) =>
          catalog.get(`${server}${NAMESPACE_SEPARATOR}${tool}`),
        );
        if (manifest.spec.type !== 'mcp') this.#manifestEntries.set(manifest, entry);
      }
      if (entry) catalog.set(entry.info.name, entry);
    }
    return catalog;
  }

  /** An openapi tool's document, loaded once per version of its manifest; a failure is kept as the error. */
  #document(tenantId: string, manifest: Tool): Promise<OpenApiDocument | Error> {
    const key = `${tenantId}/${manifest.metadata.name}@${manifest.metadata.resourceVersion}`;
    let loaded = this.#documents.get(key);
    if (!loaded) {
      loaded = loadOpenApi(manifest.spec.config as OpenApiToolConfig, AbortSignal.timeout(30_000)).catch(
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      if (this.#documents.size >= 1_000) this.#documents.clear();
      this.#documents.set(key, loaded);
    }
    return loaded;
  }

  #manifestsOf(tenantId: string): Promise<Tool[]> {
    const cached = this.#manifests.get(tenantId);
    if (cached) return cached;
    const loaded = this.#options.manifests(tenantId);
    this.#manifests.set(tenantId, loaded);
    loaded.catch(() => {
      if (this.#manifests.get(tenantId) === loaded) this.#manifests.delete(tenantId);
    });
    return loaded;
  }
}
