import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { durationToMs, type ModelBackendSpec, type SecretRef } from '../contracts/index.ts';
import type { Clock, IdGenerator, Telemetry } from '../core/index.ts';
import { type ModelGateway, pricesOf } from '../gateway/index.ts';
import { PiiMasker } from '../guard/index.ts';
import {
  type AgentCatalog,
  type AgentDirectory,
  type Governance,
  RunEventFeed,
  RunExecutor,
  RunService,
  Worker,
} from '../orchestrator/index.ts';
import type { AgentCatalogService, ModelAliasService, ModelBackendService } from '../registry/index.ts';
import {
  type AgentRuntime,
  DEFAULT_MODEL_TIMEOUT_MS,
  type ModelTarget,
  OpenAICompatibleModelClient,
  ReactRuntime,
  WorkflowRuntime,
} from '../runtime/index.ts';
import { type Database, DatabaseSignals, SqlLineageStore, SqlRunQueue, SqlRunStore } from '../store/index.ts';
import type { ToolGateway } from '../tools/index.ts';
import { RunAgentRunner } from './agent-runner.ts';
import { GatewayModelClient } from './gateway-model-client.ts';
import { PseudonymizingModelClient } from './pseudonymizing-model-client.ts';
import { TracedModelClient } from './traced-model-client.ts';

const priceOf = (spec: ModelBackendSpec) => pricesOf(spec) ?? undefined;

/** Durable runs: the store, queue and signals over the database, the runtimes, the worker. */
export function wireRuns(
  database: Database,
  catalogService: AgentCatalogService,
  models: { backends: ModelBackendService; aliases: ModelAliasService; gateway: ModelGateway },
  tools: ToolGateway,
  /** A backend's API key (`apiKeySecretRef`), read into each run that calls it. */
  secret: (tenantId: string, ref: SecretRef) => Promise<string>,
  clock: Clock,
  ids: IdGenerator,
  logger: Logger,
  config: Config,
  governance: Governance,
  telemetry: Telemetry,
) {
  const store = new SqlRunStore(database.db, database.schema);
  const lineage = new SqlLineageStore(database.db, ids);
  const queue = new SqlRunQueue(database.db, database.schema);
  const signals = new DatabaseSignals(database);
  const feed = new RunEventFeed(store, signals);
  const directory: AgentDirectory = {
    versionFor: (tenantId, name, version) => catalogService.runnableVersion(tenantId, name, version),
  };
  const catalog: AgentCatalog = {
    spec: (tenantId, name, version) => catalogService.specOf(tenantId, name, version),
    modelTarget: async (run, backend): Promise<ModelTarget | null> => {
      const spec = await models.backends.find(run.tenantId, backend);
      if (!spec) {
        if (!(await models.aliases.exists(run.tenantId, backend))) return null;
        return {
          backend,
          endpoint: '',
          timeoutMs: DEFAULT_MODEL_TIMEOUT_MS,
          gateway: {
            tenantId: run.tenantId,
            agent: run.agentName,
            runId: run.id,
            principal: run.createdBy,
            model: backend,
          },
        };
      }
      return {
        backend,
        endpoint: spec.endpoint,
        ...(spec.apiKeySecretRef ? { apiKey: await secret(run.tenantId, spec.apiKeySecretRef) } : {}),
        timeoutMs: spec.timeout ? durationToMs(spec.timeout) : DEFAULT_MODEL_TIMEOUT_MS,
        ...(spec.maxConcurrency ? { maxConcurrency: spec.maxConcurrency } : {}),
        ...(spec.trust === 'external' ? { external: true } : {}),
        ...(priceOf(spec) ? { price: priceOf(spec) } : {}),
      };
    },
  };
  // Aliases go through the gateway, which pseudonymizes for external backends itself.
  const direct = new OpenAICompatibleModelClient();
  const client = new GatewayModelClient(
    models.gateway,
    new TracedModelClient(
      new PseudonymizingModelClient(direct, new PiiMasker({})),
      telemetry.tracer,
      config.traceContent,
    ),
    (tenantId, runId, signal) => lineage.maxSensitivity(tenantId, runId, signal),
  );
  const workflow = new WorkflowRuntime({ models: client, tools });
  const runtimes: Record<'react' | 'workflow', AgentRuntime> = {
    react: new ReactRuntime(client, tools),
    workflow: {
      execute: (ctx, agent) =>
        workflow.execute(ctx, agent.spec as Parameters<WorkflowRuntime['execute']>[1], {
          tools: agent.tools,
          ...(agent.model ? { model: agent.model } : {}),
        }),
    },
  };
  const executor = new RunExecutor({
    queue,
    catalog,
    tools,
    runtimes,
    clock,
    logger,
    leaseMs: config.workerLeaseMs,
    governance,
    telemetry,
  });
  const worker = new Worker(queue, signals, executor, logger, {
    id: `${hostname()}:${process.pid}:${ids.next().slice(-6)}`,
    concurrency: config.workerConcurrency,
    leaseMs: config.workerLeaseMs,
    pollMs: config.workerPollMs,
  });
  const service = new RunService(store, directory, feed, clock, ids, telemetry);
  tools.useAgentRunner(new RunAgentRunner(service));
  return {
    service,
    worker,
    feed,
    /** The direct model client's circuit breakers, for the metrics. */
    circuits: () => direct.circuits(),
  };
}
