import type { Hono } from 'hono';
import { routes } from '../../contracts/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import { type AgentService, etagOf, type VersionWrite } from '../../registry/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';
import { parseLabelSelector } from './label-selector.ts';

/** Version writes change the agent: answer with its new ETag so the next If-Match is at hand. */
const versionWritten = (written: VersionWrite) => ({
  body: written.version,
  headers: { etag: etagOf(written.resourceVersion) },
});

export function agentRoutes(app: Hono<AppEnv>, authenticator: Authenticator, agents: AgentService): void {
  bindRoute(app, routes.listAgents, authenticator, async ({ caller, query, signal }) => ({
    body: await agents.list(
      caller.tenantId,
      { limit: query.limit, cursor: query.cursor, labels: parseLabelSelector(query.labelSelector) },
      signal,
    ),
  }));
  bindRoute(app, routes.createAgent, authenticator, async ({ caller, query, body, signal }) => {
    const agent = await agents.create(caller.tenantId, body, query.publish === 'true', signal);
    return { body: agent, headers: { location: `/api/v1/agents/${agent.metadata.name}` } };
  });
  bindRoute(app, routes.getAgent, authenticator, async ({ caller, params, signal }) => ({
    body: await agents.get(caller.tenantId, params.name, signal),
  }));
  bindRoute(
    app,
    routes.replaceAgent,
    authenticator,
    async ({ caller, params, query, body, expectedVersion, signal }) => ({
      body: await agents.replace(caller.tenantId, params.name, body, query.publish === 'true', {
        expectedVersion,
        signal,
      }),
    }),
  );
  bindRoute(app, routes.deleteAgent, authenticator, async ({ caller, params, expectedVersion, signal }) => {
    await agents.delete(caller.tenantId, params.name, { expectedVersion, signal });
    return { body: undefined };
  });
  bindRoute(app, routes.listAgentVersions, authenticator, async ({ caller, params, query, signal }) => ({
    body: await agents.listVersions(caller.tenantId, params.name, query, signal),
  }));
  bindRoute(
    app,
    routes.createAgentVersion,
    authenticator,
    async ({ caller, params, query, body, expectedVersion, signal }) =>
      versionWritten(
        await agents.createVersion(caller.tenantId, params.name, body.spec, query.publish === 'true', {
          expectedVersion,
          signal,
        }),
      ),
  );
  bindRoute(app, routes.getAgentVersion, authenticator, async ({ caller, params, signal }) => ({
    body: await agents.getVersion(caller.tenantId, params.name, params.version, signal),
  }));
  bindRoute(
    app,
    routes.updateAgentVersion,
    authenticator,
    async ({ caller, params, body, expectedVersion, signal }) =>
      versionWritten(
        await agents.updateDraft(caller.tenantId, params.name, params.version, body.spec, {
          expectedVersion,
          signal,
        }),
      ),
  );
  bindRoute(
    app,
    routes.publishAgentVersion,
    authenticator,
    async ({ caller, params, expectedVersion, signal }) => ({
      body: await agents.publish(caller.tenantId, params.name, params.version, { expectedVersion, signal }),
    }),
  );
  bindRoute(
    app,
    routes.deprecateAgentVersion,
    authenticator,
    async ({ caller, params, expectedVersion, signal }) =>
      versionWritten(
        await agents.deprecate(caller.tenantId, params.name, params.version, { expectedVersion, signal }),
      ),
  );
  bindRoute(
    app,
    routes.rollbackAgent,
    authenticator,
    async ({ caller, params, body, expectedVersion, signal }) => ({
      body: await agents.rollback(caller.tenantId, params.name, body.version, { expectedVersion, signal }),
    }),
  );
}
