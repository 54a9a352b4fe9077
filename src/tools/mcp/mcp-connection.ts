import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { SecretRef, ToolServerSpec, ToolServerStatus } from '../../contracts/index.ts';
import { durationToMs } from '../../contracts/index.ts';
import { abortableSleep, fullJitterDelay } from '../../core/index.ts';
import { ToolUnavailableError } from '../../runtime/index.ts';
import { AnswerTooLargeError, guardedFetch } from './guarded-fetch.ts';

/** A tool as its MCP server lists it. */
export interface McpTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: {
    title?: string | undefined;
    readOnlyHint?: boolean | undefined;
    destructiveHint?: boolean | undefined;
    idempotentHint?: boolean | undefined;
    openWorldHint?: boolean | undefined;
  };
}

/** An MCP `tools/call` result, as the server sent it. */
export interface McpCallResult {
  content: Array<{ type: string; [key: string]: unknown }>;
  isError?: boolean | undefined;
  structuredContent?: unknown;
}

export interface McpConnectionOptions {
  /** For people: `tenant/server`. */
  label: string;
  spec: ToolServerSpec;
  /** Reads a secret the spec references (env values, headers), at connect time. */
  resolveSecret: (ref: SecretRef) => Promise<string>;
  /** Told when the server's tool list changed (after connecting, or on its notification). */
  onTools: (tools: McpTool[]) => void;
  onError?: (error: unknown) => void;
  clientVersion: string;
  /** The largest answer read from a Streamable HTTP server (default MAX_BODY_BYTES). */
  maxAnswerBytes?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 20_000;
const RECONNECT_BASE_MS = 500;
const RECONNECT_CAP_MS = 30_000;
/** Connection errors that mean the request never reached the server: repeating it is safe. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EBLOCKED',
]);
/** Lines of a stdio server's stderr kept, to say why it failed. */
const STDERR_TAIL = 20;

/** A server not connected yet (or not known to this replica yet). */
export const CONNECTING: Readonly<ToolServerStatus> = Object.freeze({
  state: 'connecting',
  tools: [],
  protocolVersion: null,
  serverInfo: null,
  lastError: null,
  connectedAt: null,
});

/**
 * One MCP server, connected with the official SDK over stdio or Streamable HTTP: the protocol
 * version is negotiated by the SDK, tools are listed on connect (all pages) and again when the
 * server announces `notifications/tools/list_changed`. A connection that fails or drops is tried
 * again with exponential backoff and full jitter until `close`. Calls made while it is down fail
 * at once with the reason.
 */
export class McpConnection {
  readonly #options: McpConnectionOptions;
  #client: Client | null = null;
  #transport: Transport | null = null;
  #closed = false;
  #stopping = new AbortController();
  #status: ToolServerStatus = CONNECTING;
  #stderr: string[] = [];
  #wake: (() => void) | null = null;

  constructor(options: McpConnectionOptions) {
    this.#options = options;
  }

  get spec(): ToolServerSpec {
    return this.#options.spec;
  }

  get status(): ToolServerStatus {
    return { ...this.#status, tools: [...this.#status.tools] };
  }

  /** Connects, and keeps reconnecting after failures until closed. Resolves after the first attempt. */
  start(): Promise<void> {
    const first = { resolve: () => {} };
    const firstAttempt = new Promise<void>((resolve) => {
      first.resolve = resolve;
    });
    void (async () => {
      for (let attempt = 0; !this.#closed; attempt++) {
        const connected = await this.#connect();
        first.resolve();
        if (connected) {
          attempt = -1;
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          if (this.#closed) return;
          continue;
        }
        try {
          await abortableSleep(
            fullJitterDelay(attempt, Math.random, RECONNECT_BASE_MS, RECONNECT_CAP_MS),
            this.#stopping.signal,
          );
        } catch {
          return;
        }
      }
    })();
    return firstAttempt;
  }

  /**
   * Calls a tool. A server that cannot be reached, or goes away before it answers, throws
   * ToolUnavailableError: `inDoubt` when the request had left (the tool may have run).
   */
  async call(
    name: string,
    args: Record<string, unknown>,
    options: { signal: AbortSignal; meta?: Record<string, unknown> | undefined },
  ): Promise<McpCallResult> {
    const client = this.#client;
    if (!client || this.#status.state !== 'connected')
      throw new ToolUnavailableError(
        name,
        `its tool server is not connected (${this.#status.state}` +
          `${this.#status.lastError ? `: ${this.#status.lastError}` : ''})`,
        false,
      );
    const timeout = this.#options.spec.timeout
      ? durationToMs(this.#options.spec.timeout)
      : DEFAULT_CALL_TIMEOUT_MS;
    // The SDK never takes its listener off the signal it is given: a caller's signal that aborts
    // after the call (a run's, an MCP gateway request's) would send notifications/cancelled for a
    // finished call. It gets a signal of its own, linked to the caller's only while the call lasts.
    const scope = new AbortController();
    const onAbort = () => scope.abort(options.signal.reason);
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await client.callTool(
        { name, arguments: args, ...(options.meta ? { _meta: options.meta } : {}) },
        undefined,
        { signal: scope.signal, timeout },
      );
      return result as McpCallResult;
    } catch (error) {
      // An answer in JSON-RPC (a tool the server refused, a timeout) says the server is there;
      // anything else (a refused connection, a reset, a closed stdio pipe) says it is not.
      const gone =
        !(error instanceof McpError || error instanceof AnswerTooLargeError) ||
        (error instanceof McpError && error.code === ErrorCode.ConnectionClosed && !options.signal.aborted);
      if (options.signal.aborted || !gone) throw error;
      if (this.#client === client) this.#lost(client, error);
      const reason = (error as Error).message;
      // A 404 is a server that restarted and does not know the session: it ran nothing.
      const code = (error as { code?: unknown }).code;
      const inDoubt = !(NOT_SENT.has(String(code)) || code === 404);
      throw new ToolUnavailableError(
        name,
        inDoubt
          ? `its tool server went away during the call (${reason}); it may have run`
          : `its tool server cannot be reached (${reason})`,
        inDoubt,
        { cause: error },
      );
    } finally {
      options.signal.removeEventListener('abort', onAbort);
    }
  }

  /** The server stopped answering: drop this connection and let the loop connect afresh. */
  #lost(client: Client, error: unknown): void {
    this.#client = null;
    this.#fail(new Error(`lost the connection: ${(error as Error).message}`));
    void client.close().catch(() => undefined);
    this.#wake?.();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopping.abort();
    this.#wake?.();
    await this.#disconnect();
  }

  async #connect(): Promise<boolean> {
    this.#status = { ...this.#status, state: 'connecting' };
    this.#stderr = [];
    let transport: Transport;
    try {
      transport = await this.#transport_();
    } catch (error) {
      this.#fail(error);
      return false;
    }
    let protocolVersion: string | null = null;
    const setProtocolVersion = transport.setProtocolVersion?.bind(transport);
    transport.setProtocolVersion = (version: string) => {
      protocolVersion = version;
      setProtocolVersion?.(version);
    };
    const client = new Client(
      { name: 'agenticai', version: this.#options.clientVersion },
      { capabilities: {} },
    );
    client.onerror = (error) => this.#options.onError?.(error);
    client.onclose = () => {
      if (this.#client !== client || this.#closed) return;
      this.#client = null;
      this.#fail(new Error(this.#stderrNote('the connection closed')));
      this.#wake?.();
    };
    try {
      await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS });
      this.#client = client;
      this.#transport = transport;
      const server = client.getServerVersion();
      this.#status = {
        state: 'connected',
        tools: this.#status.tools,
        protocolVersion,
        serverInfo: server ? { name: server.name, version: server.version } : null,
        lastError: null,
        connectedAt: new Date().toISOString(),
      };
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        await this.#listTools(client).catch((error: unknown) => this.#options.onError?.(error));
      });
      await this.#listTools(client);
      return true;
    } catch (error) {
      this.#client = null;
      await client.close().catch(() => undefined);
      this.#fail(new Error(this.#stderrNote((error as Error).message)));
      return false;
    }
  }

  async #listTools(client: Client): Promise<void> {
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { timeout: CONNECT_TIMEOUT_MS });
      for (const tool of page.tools)
        tools.push({
          name: tool.name,
          description: tool.description ?? tool.title ?? tool.name,
          inputSchema: tool.inputSchema as Record<string, unknown>,
          annotations: { ...tool.annotations },
        });
      cursor = page.nextCursor;
    } while (cursor);
    this.#status = { ...this.#status, tools: tools.map((tool) => tool.name) };
    this.#options.onTools(tools);
  }

  async #transport_(): Promise<Transport> {
    const { spec } = this.#options;
    if (spec.transport === 'stdio') {
      const env: Record<string, string> = { ...getDefaultEnvironment() };
      for (const [name, value] of Object.entries(spec.env ?? {}))
        env[name] = typeof value === 'string' ? value : await this.#options.resolveSecret(value.secretRef);
      const transport = new StdioClientTransport({
        command: spec.command as string,
        args: spec.args ?? [],
        env,
        stderr: 'pipe',
      });
      transport.stderr?.on('data', (chunk: Buffer) => {
        this.#stderr.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        this.#stderr = this.#stderr.slice(-STDERR_TAIL);
      });
      return transport;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(spec.headers ?? {}))
      headers[name] = typeof value === 'string' ? value : await this.#options.resolveSecret(value.secretRef);
    return new StreamableHTTPClientTransport(new URL(spec.url as string), {
      requestInit: { headers },
      fetch: guardedFetch(spec.internal === true, this.#options.maxAnswerBytes),
    });
  }

  #fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#status = { ...this.#status, state: 'failed', lastError: message };
  }

  #stderrNote(message: string): string {
    const tail = this.#stderr.slice(-3).join(' | ');
    return tail ? `${message} (stderr: ${tail})` : message;
  }

  async #disconnect(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    const transport = this.#transport;
    this.#transport = null;
    if (transport instanceof StreamableHTTPClientTransport)
      await transport.terminateSession().catch(() => undefined);
    await client?.close().catch(() => undefined);
  }
}
