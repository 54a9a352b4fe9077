import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { McpGateway, ToolAccess } from '../api/index.ts';
import type { AuditLog, PreparedAuditRecord } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import { VERSION } from '../contracts/index.ts';
import type { Clock, IdGenerator } from '../core/index.ts';
import type { ApprovalNotifier, ApprovalStore, DecisionPoint } from '../orchestrator/index.ts';
import type { ToolServerService, ToolService } from '../registry/index.ts';
import type { SecretService } from '../secrets/index.ts';
import { channelsFor, type Database, type SqlTenantStore } from '../store/index.ts';
import {
  type ArgumentValidator,
  type BuiltinTool,
  OAuthTokens,
  ToolGateway,
  ToolServerManager,
} from '../tools/index.ts';
import { AuditBatcher } from './audit-batcher.ts';
import { type ToolCallDeps, ToolCallService } from './tool-calls.ts';

export interface ToolWiring {
  gateway: ToolGateway;
  manager: ToolServerManager;
  calls: ToolCallService;
  /** What the API's tool routes need. */
  access: ToolAccess;
  /** What `/mcp` serves: the tenant's tools as one MCP server. */
  mcp: McpGateway;
  close(): Promise<void>;
}

/**
 * The tool gateway over the registry: every tenant's tool servers connected at start, and again
 * (with the catalog dropped) whenever any replica changes the tenant's tools or tool servers.
 */
export async function wireTools(deps: {
  database: Database;
  config: Config;
  tools: ToolService;
  toolServers: ToolServerService;
  tenants: SqlTenantStore;
  secrets: SecretService;
  decisions: DecisionPoint;
  mask: (tenantId: string, value: unknown) => Promise<unknown>;
  audit: AuditLog;
  approvals: ApprovalStore;
  notifier: ApprovalNotifier | undefined;
  preview: ToolCallDeps['preview'];
  limits: (tenantId: string, tool: string) => Promise<string[]>;
  validator: ArgumentValidator;
  /** Every built-in tool of this installation (BUILTIN_TOOLS and those backed by other components). */
  builtins: readonly BuiltinTool[];
  /** Runs `type: sandbox` tools (absent: such tools are left out). */
  sandboxScript?: BuiltinTool;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  tracer?: Tracer | undefined;
}): Promise<ToolWiring> {
  let gateway: ToolGateway | undefined;
  const manager = new ToolServerManager({
    load: async (tenantId) =>
      (await deps.toolServers.all(tenantId)).map((server) => ({
        name: server.metadata.name,
        spec: server.spec,
      })),
    resolveSecret: (tenantId, ref) => deps.secrets.resolve(tenantId, ref),
    onChange: (tenantId) => gateway?.invalidate(tenantId),
    logger: deps.logger,
    clientVersion: VERSION,
  });
  // Direct calls' records linger 20 ms into group commits, off the answer's path.
  const batcher = new AuditBatcher(deps.audit, 20, 250);
  const write = (tenantId: string, records: PreparedAuditRecord[]) => {
    batcher
      .enqueue(tenantId, records)
      .catch((error: unknown) => deps.logger.error({ err: error, tenantId }, 'tool call audit record lost'));
  };
  gateway = new ToolGateway({
    manifests: (tenantId) => deps.tools.all(tenantId),
    servers: manager,
    secret: (tenantId, ref, signal) => deps.secrets.resolve(tenantId, ref, signal),
    validator: deps.validator,
    builtins: deps.builtins,
    sandboxScript: deps.sandboxScript,
    oauth: new OAuthTokens(),
    maxResultBytes: deps.config.toolResultMaxBytes,
    limits: deps.limits,
    tracer: deps.tracer,
  });
  const tools = gateway;
  await deps.database.listen(channelsFor(deps.database.schema).tools, (tenantId) => {
    tools.invalidate(tenantId);
    void manager.sync(tenantId);
  });
  // Every tenant's servers, without holding up the start: a slow server only delays its own tools.
  void (async () => {
    let after: string | undefined;
    for (;;) {
      const page = await deps.tenants.list({ limit: 500, after });
      await Promise.all(page.map((tenant) => manager.sync(tenant.id)));
      if (page.length < 500) return;
      after = page.at(-1)?.name;
    }
  })().catch((error: unknown) => deps.logger.warn({ err: error }, 'tool servers could not be connected'));
  const calls = new ToolCallService({
    gateway,
    decisions: deps.decisions,
    mask: deps.mask,
    audit: deps.audit,
    write,
    approvals: deps.approvals,
    notifier: deps.notifier,
    clock: deps.clock,
    ids: deps.ids,
    preview: deps.preview,
  });
  return {
    gateway,
    manager,
    calls,
    access: { gateway, manifests: deps.tools, servers: deps.toolServers, manager, calls },
    mcp: {
      tools: (caller) => calls.visibleTools(caller),
      calls,
      approvalWaitMs: deps.config.toolApprovalWaitMs,
      version: VERSION,
    },
    close: async () => {
      await batcher.drain();
      await manager.close();
    },
  };
}
