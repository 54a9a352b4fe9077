import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import { SandboxLimitsSchema, TERMINAL_RUN_STATUSES } from '../contracts/index.ts';
import type { Clock } from '../core/index.ts';
import { type CompiledPolicy, sandboxEgressAllowlist } from '../policy/index.ts';
import {
  codeInterpreterTool,
  defaultSandboxRoot,
  SandboxManager,
  sandboxScriptTool,
  selectSandboxDriver,
} from '../sandbox/index.ts';
import { type Database, DatabaseSignals, SqlRunStore } from '../store/index.ts';
import type { BuiltinTool } from '../tools/index.ts';
import { AuditBatcher } from './audit-batcher.ts';

export interface SandboxWiring {
  manager: SandboxManager;
  /** The built-in `code_interpreter`, backed by the manager (it refuses clearly without a driver). */
  codeInterpreter: BuiltinTool;
  /** Runs `type: sandbox` tools' scripts. */
  sandboxScript: BuiltinTool;
  close(): Promise<void>;
}

/**
 * Sandboxes: the driver is chosen in the background (a probe runs a real command; the start is not
 * held up) and logged; every exec and egress attempt is audited; a run's code-interpreter sandbox
 * is destroyed when the run ends.
 */
export async function wireSandboxes(deps: {
  database: Database;
  config: Config;
  audit: AuditLog;
  /** The tenant's live policies: their `sandbox_egress` scopes are where sandboxes may connect. */
  policies: (tenantId: string) => Promise<readonly CompiledPolicy[]>;
  clock: Clock;
  logger: Logger;
  tracer?: Tracer | undefined;
}): Promise<SandboxWiring> {
  const { config, logger } = deps;
  const batcher = new AuditBatcher(deps.audit, 20, 250);
  const record = (tenantId: string, entry: Parameters<AuditLog['prepare']>[1]) => {
    batcher
      .enqueue(tenantId, [deps.audit.prepare(tenantId, entry)])
      .catch((error: unknown) => logger.error({ err: error, tenantId }, 'sandbox audit record lost'));
  };
  let manager: SandboxManager | undefined;
  const root = config.sandboxRoot ?? defaultSandboxRoot(config.dataDir);
  const selection = selectSandboxDriver({
    choice: config.sandboxDriver,
    root,
    onEgress: (id, attempt) => manager?.reportEgress(id, attempt),
    kubernetes: config.sandboxKubernetes,
  }).then((selected) => {
    if (selected.driver)
      logger.info({ driver: selected.driver.name, trials: selected.trials }, 'sandbox driver chosen');
    else
      logger.warn(
        { reason: selected.reason, trials: selected.trials },
        'code execution is disabled: no sandbox driver',
      );
    return selected;
  });
  manager = new SandboxManager({
    driver: selection,
    defaults: SandboxLimitsSchema.parse(config.sandboxLimits),
    poolSize: config.sandboxPoolSize,
    idleTtlMs: config.sandboxIdleTtlMs,
    maxLifetimeMs: config.sandboxMaxLifetimeMs,
    egressPolicy: async (tenantId) => sandboxEgressAllowlist(await deps.policies(tenantId)),
    clock: deps.clock,
    logger,
    tracer: deps.tracer,
    onExec: (sandbox, command, result) =>
      record(sandbox.tenantId, {
        actorType: sandbox.runId ? 'agent' : 'principal',
        actor: sandbox.owner,
        action: 'sandbox_exec',
        runId: sandbox.runId,
        tool: sandbox.id,
        decision: result.outcome,
        // The command, not its output: output can be large and is the tool result's business.
        input: { command: command.map((part) => (part.length > 512 ? `${part.slice(0, 512)}…` : part)) },
        output: { exit_code: result.exitCode, truncated: result.truncated },
        metadata: { latency_ms: result.durationMs, driver: sandbox.driver },
      }),
    onEgress: (sandbox, attempt) =>
      record(sandbox.tenantId, {
        actorType: sandbox.runId ? 'agent' : 'principal',
        actor: sandbox.owner,
        action: 'sandbox_egress',
        runId: sandbox.runId,
        tool: sandbox.id,
        decision: attempt.allowed ? 'allow' : 'deny',
        input: { host: attempt.host, port: attempt.port, method: attempt.method },
        metadata: { reason: attempt.reason, ...(attempt.address ? { address: attempt.address } : {}) },
      }),
  });
  const sandboxes = manager;
  // A run's sandboxes go when the run does; only runs holding one here are looked up.
  const store = new SqlRunStore(deps.database.db, deps.database.schema);
  const unsubscribe = await new DatabaseSignals(deps.database).onRunEvents((runId) => {
    const tenantId = sandboxes.sessionTenant(runId);
    if (!tenantId) return;
    void store
      .get(tenantId, runId)
      .then((run) => {
        if (run && TERMINAL_RUN_STATUSES.includes(run.status)) return sandboxes.endRun(runId);
      })
      .catch((error: unknown) => logger.warn({ err: error, runId }, 'run sandbox check failed'));
  });
  return {
    manager,
    codeInterpreter: codeInterpreterTool(manager),
    sandboxScript: sandboxScriptTool(manager),
    close: async () => {
      await unsubscribe();
      await sandboxes.close();
      await batcher.drain();
    },
  };
}
