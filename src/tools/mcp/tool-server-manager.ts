import type { Logger } from 'pino';
import type { SecretRef, ToolServerSpec, ToolServerStatus } from '../../contracts/index.ts';
import { contentHash } from '../../core/index.ts';
import { CONNECTING, McpConnection, type McpTool } from './mcp-connection.ts';

/** Discovered tools are registered as `SERVER__TOOL`. */
export const NAMESPACE_SEPARATOR = '__';

export interface ToolServerManagerOptions {
  /** A tenant's tool servers as stored. */
  load: (tenantId: string) => Promise<Array<{ name: string; spec: ToolServerSpec }>>;
  resolveSecret: (tenantId: string, ref: SecretRef) => Promise<string>;
  /** The tenant's discovered tools changed (a server connected, dropped, or announced new tools). */
  onChange: (tenantId: string) => void;
  logger: Logger;
  clientVersion: string;
}

interface Entry {
  hash: string;
  connection: McpConnection;
  tools: McpTool[];
}

/**
 * This process's connections to every tenant's MCP tool servers. `sync` makes them match what is
 * stored (connect new servers, reconnect changed ones, close removed ones); the tool gateway calls
 * it at start and whenever a tenant's tools change on any replica.
 */
export class ToolServerManager {
  readonly #options: ToolServerManagerOptions;
  readonly #tenants = new Map<string, Map<string, Entry>>();
  readonly #syncing = new Map<string, Promise<void>>();

  constructor(options: ToolServerManagerOptions) {
    this.#options = options;
  }

  /** Resolves once every new or changed server of the tenant has made its first connection attempt. */
  sync(tenantId: string): Promise<void> {
    const previous = this.#syncing.get(tenantId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#sync(tenantId))
      .catch((error: unknown) =>
        this.#options.logger.warn({ err: error, tenantId }, 'tool servers could not be synced'),
      );
    this.#syncing.set(tenantId, next);
    return next;
  }

  status(tenantId: string, name: string): ToolServerStatus {
    return this.#tenants.get(tenantId)?.get(name)?.connection.status ?? CONNECTING;
  }

  /** The tenant's discovered tools, by server. */
  tools(tenantId: string): Array<{ server: string; tool: McpTool }> {
    const found: Array<{ server: string; tool: McpTool }> = [];
    for (const [server, entry] of this.#tenants.get(tenantId) ?? [])
      for (const tool of entry.tools) found.push({ server, tool });
    return found;
  }

  connection(tenantId: string, server: string): McpConnection | undefined {
    return this.#tenants.get(tenantId)?.get(server)?.connection;
  }

  async close(): Promise<void> {
    const all = [...this.#tenants.values()].flatMap((servers) => [...servers.values()]);
    this.#tenants.clear();
    await Promise.all(all.map((entry) => entry.connection.close()));
  }

  async #sync(tenantId: string): Promise<void> {
    const stored = await this.#options.load(tenantId);
    let servers = this.#tenants.get(tenantId);
    if (!servers) {
      servers = new Map();
      this.#tenants.set(tenantId, servers);
    }
    const wanted = new Map(stored.map((server) => [server.name, server.spec]));
    const closing: Promise<void>[] = [];
    for (const [name, entry] of servers)
      if (!wanted.has(name) || contentHash(wanted.get(name)) !== entry.hash) {
        servers.delete(name);
        closing.push(entry.connection.close());
      }
    const starting: Promise<void>[] = [];
    for (const [name, spec] of wanted) {
      if (servers.has(name)) continue;
      const entry: Entry = {
        hash: contentHash(spec),
        tools: [],
        connection: undefined as unknown as McpConnection,
      };
      entry.connection = new McpConnection({
        label: `${tenantId}/${name}`,
        spec,
        clientVersion: this.#options.clientVersion,
        resolveSecret: (ref) => this.#options.resolveSecret(tenantId, ref),
        onTools: (tools) => {
          entry.tools = spec.tools ? tools.filter((tool) => spec.tools?.includes(tool.name)) : tools;
          this.#options.onChange(tenantId);
        },
        onError: (error) =>
          this.#options.logger.debug({ err: error, tenantId, server: name }, 'tool server protocol error'),
      });
      servers.set(name, entry);
      starting.push(entry.connection.start());
    }
    await Promise.all(closing);
    if (closing.length > 0) this.#options.onChange(tenantId);
    await Promise.all(starting);
  }
}
