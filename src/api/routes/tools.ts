import type { Hono } from 'hono';
import { durationToMs, routes, type ToolInvokeResult, type ToolServer } from '../../contracts/index.ts';
import type { Authenticator, Caller } from '../../identity/index.ts';
import type { StoredToolServer, ToolServerService, ToolService } from '../../registry/index.ts';
import type { ToolGateway, ToolServerManager } from '../../tools/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';
import { parseLabelSelector } from './label-selector.ts';

/** Direct, governed tool calls (policy, masking, audit): see ToolCallService. */
export interface ToolCalls {
  invoke(
    caller: Caller,
    name: string,
    args: Record<string, unknown>,
    options: {
      signal: AbortSignal;
      requestId: string;
      traceparent?: string | undefined;
      /** How long a call behind an approval gate waits for one; 0: answer APPROVAL_REQUIRED at once. */
      waitMs?: number | undefined;
    },
  ): Promise<ToolInvokeResult>;
}

export interface ToolAccess {
  gateway: ToolGateway;
  manifests: ToolService;
  servers: ToolServerService;
  manager: ToolServerManager;
  calls: ToolCalls;
}

const W3C_TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

export function toolRoutes(app: Hono<AppEnv>, authenticator: Authenticator, tools: ToolAccess): void {
  const withStatus = (tenantId: string, server: StoredToolServer): ToolServer => ({
    ...server,
    status: tools.manager.status(tenantId, server.metadata.name),
  });

  bindRoute(app, routes.listTools, authenticator, async ({ caller, query }) => ({
    body: await tools.gateway.list(caller.tenantId, {
      limit: query.limit,
      cursor: query.cursor,
      search: query.search,
      type: query.type,
      source: query.source,
      labels: parseLabelSelector(query.label),
    }),
  }));
  bindRoute(app, routes.getTool, authenticator, async ({ caller, params }) => ({
    body: await tools.gateway.get(caller.tenantId, params.name),
  }));
  bindRoute(app, routes.invokeTool, authenticator, async ({ caller, params, body, signal, context }) => {
    const traceparent = context.req.header('traceparent');
    return {
      body: await tools.calls.invoke(caller, params.name, body.arguments, {
        signal,
        waitMs: body.waitForApproval ? durationToMs(body.waitForApproval) : 0,
        requestId: context.get('requestId'),
        traceparent: traceparent && W3C_TRACEPARENT.test(traceparent) ? traceparent : undefined,
      }),
    };
  });
  bindRoute(app, routes.createTool, authenticator, async ({ caller, body, signal }) => {
    const tool = await tools.manifests.create(caller.tenantId, body, signal);
    tools.gateway.invalidate(caller.tenantId);
    return { body: tool, headers: { location: `/api/v1/tools/${tool.metadata.name}` } };
  });
  bindRoute(
    app,
    routes.replaceTool,
    authenticator,
    async ({ caller, params, body, expectedVersion, signal }) => {
      const tool = await tools.manifests.replace(caller.tenantId, params.name, body, {
        expectedVersion,
        signal,
      });
      tools.gateway.invalidate(caller.tenantId);
      return { body: tool };
    },
  );
  bindRoute(app, routes.deleteTool, authenticator, async ({ caller, params, expectedVersion, signal }) => {
    await tools.manifests.delete(caller.tenantId, params.name, { expectedVersion, signal });
    tools.gateway.invalidate(caller.tenantId);
    return { body: undefined };
  });

  bindRoute(app, routes.listToolServers, authenticator, async ({ caller, query, signal }) => {
    const page = await tools.servers.list(
      caller.tenantId,
      { limit: query.limit, cursor: query.cursor, labels: parseLabelSelector(query.labelSelector) },
      signal,
    );
    return { body: { ...page, items: page.items.map((server) => withStatus(caller.tenantId, server)) } };
  });
  bindRoute(app, routes.getToolServer, authenticator, async ({ caller, params, signal }) => ({
    body: withStatus(caller.tenantId, await tools.servers.get(caller.tenantId, params.name, signal)),
  }));
  // A write answers once the server has been tried, so its state and tools are in the answer.
  bindRoute(app, routes.createToolServer, authenticator, async ({ caller, body, signal }) => {
    const server = await tools.servers.create(caller.tenantId, body, signal);
    await tools.manager.sync(caller.tenantId);
    return {
      body: withStatus(caller.tenantId, server),
      headers: { location: `/api/v1/tool-servers/${server.metadata.name}` },
    };
  });
  bindRoute(
    app,
    routes.replaceToolServer,
    authenticator,
    async ({ caller, params, body, expectedVersion, signal }) => {
      const server = await tools.servers.replace(caller.tenantId, params.name, body, {
        expectedVersion,
        signal,
      });
      await tools.manager.sync(caller.tenantId);
      return { body: withStatus(caller.tenantId, server) };
    },
  );
  bindRoute(
    app,
    routes.deleteToolServer,
    authenticator,
    async ({ caller, params, expectedVersion, signal }) => {
      await tools.servers.delete(caller.tenantId, params.name, { expectedVersion, signal });
      await tools.manager.sync(caller.tenantId);
      return { body: undefined };
    },
  );
}
