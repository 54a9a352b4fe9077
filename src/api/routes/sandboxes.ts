import type { Hono } from 'hono';
import { routes, type Sandbox, type SandboxExecResult } from '../../contracts/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import type { ExecResult, SandboxInfo, SandboxManager, SandboxStats } from '../../sandbox/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';

export function sandboxRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  sandboxes: SandboxManager,
): void {
  bindRoute(app, routes.getSandboxDriver, authenticator, async () => {
    const driver = await sandboxes.driver();
    return {
      body: {
        driver: (driver.name as Sandbox['driver'] | null) ?? null,
        reason: driver.reason,
        pool_available: driver.pool,
      },
    };
  });
  bindRoute(app, routes.listSandboxes, authenticator, async ({ caller }) => ({
    body: { items: sandboxes.list(caller.tenantId).map((info) => toWire(info)) },
  }));
  bindRoute(app, routes.createSandbox, authenticator, async ({ caller, body }) => {
    const info = await sandboxes.create({
      tenantId: caller.tenantId,
      owner: caller.principalName,
      ...(body.limits ? { limits: body.limits } : {}),
      ...(body.egress ? { egress: body.egress } : {}),
    });
    return { status: 201, body: toWire(info) };
  });
  bindRoute(app, routes.getSandbox, authenticator, async ({ caller, params }) => {
    const info = sandboxes.get(caller.tenantId, params.id);
    return { body: toWire(info, await sandboxes.stats(caller.tenantId, params.id)) };
  });
  bindRoute(app, routes.execSandbox, authenticator, async ({ caller, params, body, signal }) => ({
    body: execToWire(
      await sandboxes.exec(caller.tenantId, params.id, body.command, {
        ...(body.stdin === undefined ? {} : { stdin: body.stdin }),
        ...(body.env ? { env: body.env } : {}),
        ...(body.timeout_ms ? { timeoutMs: body.timeout_ms } : {}),
        signal,
      }),
    ),
  }));
  bindRoute(app, routes.deleteSandbox, authenticator, async ({ caller, params }) => {
    await sandboxes.destroy(caller.tenantId, params.id);
    return { body: undefined };
  });
}

function toWire(info: SandboxInfo, stats?: SandboxStats): Sandbox {
  return {
    id: info.id,
    driver: info.driver as Sandbox['driver'],
    owner: info.owner,
    run_id: info.runId,
    limits: info.limits,
    egress: [...info.egress],
    created_at: info.createdAt,
    last_used_at: info.lastUsedAt,
    expires_at: info.expiresAt,
    pooled: info.pooled,
    ...(stats
      ? {
          stats: {
            workspace_bytes: stats.workspaceBytes,
            ...(stats.memoryBytes === undefined ? {} : { memory_bytes: stats.memoryBytes }),
            ...(stats.memoryPeakBytes === undefined ? {} : { memory_peak_bytes: stats.memoryPeakBytes }),
            ...(stats.processes === undefined ? {} : { processes: stats.processes }),
            restarts: stats.restarts,
          },
        }
      : {}),
  };
}

function execToWire(result: ExecResult): SandboxExecResult {
  return {
    outcome: result.outcome,
    exit_code: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    truncated: result.truncated,
    duration_ms: result.durationMs,
  };
}
