import { join, resolve } from 'node:path';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { createApp, gatewayLane, type RunningServer, startServer } from './api/index.ts';
import { AuditLog } from './audit/index.ts';
import type { Config } from './config/index.ts';
import { VERSION } from './contracts/index.ts';
import { type Clock, type IdGenerator, systemClock, uuidv7Ids } from './core/index.ts';
import { PiiMasker } from './guard/index.ts';
import { Authenticator, type BootstrapResult, bootstrapPlatform, IdentityService } from './identity/index.ts';
import type { Worker } from './orchestrator/index.ts';
import { scopeLimits } from './policy/index.ts';
import { AgentCatalogService } from './registry/index.ts';
import {
  type Cache,
  type Database,
  MemoryCache,
  migrateToLatest,
  openDatabase,
  RedisCache,
  SqlAuditStore,
  SqlCredentialLookup,
  SqlIdentityTransactions,
  SqlRegistryTransactions,
  SqlTenantStore,
} from './store/index.ts';
import { ArgumentValidator, BUILTIN_TOOLS } from './tools/index.ts';
import {
  createLogger,
  type Demo,
  type GatewayWiring,
  jwtOptions,
  type KnowledgeWiring,
  readinessCheck,
  type SandboxWiring,
  startDemo,
  type TelemetryWiring,
  type ToolWiring,
  type TriggerWiring,
  wireCredentials,
  wireFeedback,
  wireGateway,
  wireGovernance,
  wireKnowledge,
  wireRegistry,
  wireRuns,
  wireSandboxes,
  wireSecrets,
  wireTelemetry,
  wireTools,
  wireTriggers,
  writeAdminKey,
} from './wiring/index.ts';

type Governed = Awaited<ReturnType<typeof wireGovernance>>;

export const ADMIN_KEY_FILE = 'admin.key';

export const PLATFORM_MODES = ['all', 'worker'] as const;

export interface PlatformOptions {
  logger?: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /** all: the API (and workers unless config.workers is false); worker: workers only, no HTTP. */
  mode?: (typeof PLATFORM_MODES)[number];
  /** Span exporters besides OTLP and the trace store (tests hand in an in-memory one). */
  spanExporters?: SpanExporter[];
}

/** A started platform: the HTTP server and what it needs, ready to close. */
export interface Platform {
  /** The API's base URL; empty in worker mode. */
  url: string;
  port: number;
  /** The run worker of this process, if it runs one. */
  worker: Worker | null;
  config: Config;
  database: Database;
  cache: Cache;
  bootstrap: BootstrapResult;
  adminKeyFile: string;
  /** Names of the demo objects loaded on this start (empty unless demo and a fresh store). */
  demoLoaded: string[];
  /** The demo of `actl up`: whether the security-operations scenario runs, and on which model. */
  demo: Pick<Demo, 'scenario' | 'model'>;
  /** Exports batched spans and writes batched usage now (tests read them after this). */
  flushTelemetry(): Promise<void>;
  /** The sandbox driver chosen at start (null: code execution disabled, with the reason). */
  sandboxDriver(): Promise<{ name: string | null; reason: string }>;
  close(): Promise<void>;
}

/**
 * The composition root: opens the store (PGlite or Postgres), migrates, bootstraps the platform
 * tenant and admin key, wires every component and serves HTTP. Throws if any of it fails, after
 * closing what it opened.
 */
export async function startPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const logger = options.logger ?? createLogger(config.logLevel, config.logPretty);
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? uuidv7Ids;
  const dataDir = resolve(config.dataDir);
  const started = performance.now();

  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir,
    schema: config.databaseSchema,
    sharedBuffersMb: config.pgliteSharedBuffersMb,
  });
  let cache: Cache | undefined;
  let server: RunningServer | undefined;
  let worker: Worker | null = null;
  let governed: Governed | undefined;
  let gateway: GatewayWiring | undefined;
  let toolWiring: ToolWiring | undefined;
  let sandboxWiring: SandboxWiring | undefined;
  let telemetry: TelemetryWiring | undefined;
  let knowledge: KnowledgeWiring | undefined;
  let triggers: TriggerWiring | undefined;
  let generatedKeyFile: string | undefined;
  let demo: Demo | undefined;
  /** Closes what is left once requests and runs are done, in dependency order. */
  const closeParts = async () => {
    await triggers?.close();
    await demo?.close();
    await knowledge?.close();
    await gateway?.close();
    await toolWiring?.close();
    await sandboxWiring?.close();
    await telemetry?.close();
    await cache?.close();
    await database.close();
  };
  try {
    const applied = await migrateToLatest(database.db, database.schema);
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    cache = config.redisUrl ? await RedisCache.connect({ url: config.redisUrl }) : new MemoryCache();
    telemetry = wireTelemetry({ database, config, logger, spanExporters: options.spanExporters });
    const { tracer } = telemetry.telemetry;

    const tenants = new SqlTenantStore(database.db, database.schema);
    const identityTransactions = new SqlIdentityTransactions(database.db, database.schema);
    const credentials = await wireCredentials(database);
    const registryTransactions = new SqlRegistryTransactions(database.db, database.schema);
    const secrets = await wireSecrets(database, config, dataDir, ids, logger);

    const bootstrap = await bootstrapPlatform(
      // Uncached: bootstrap looks up the preset key before it exists, a miss the cache would keep.
      {
        tenants,
        transactions: identityTransactions,
        credentials: new SqlCredentialLookup(database.db),
        clock,
        ids,
      },
      config.bootstrapAdminKey,
    );
    const adminKey = bootstrap.generatedKey ?? config.bootstrapAdminKey;
    const adminKeyFile = join(dataDir, ADMIN_KEY_FILE);
    if (adminKey) writeAdminKey(dataDir, ADMIN_KEY_FILE, adminKey);
    if (bootstrap.generatedKey) generatedKeyFile = adminKeyFile;

    // Every built-in PII detector masks what the audit log keeps; a tenant's own rules apply before.
    const auditMasker = new PiiMasker({});
    const audit = new AuditLog(new SqlAuditStore(database.db), {
      mask: (value) => auditMasker.maskValue(value),
      clock,
      ids,
    });
    const argumentValidator = new ArgumentValidator();
    sandboxWiring = await wireSandboxes({
      database,
      config,
      audit,
      policies: (tenantId) => (governed as Governed).tenantPolicies.get(tenantId),
      clock,
      logger,
      tracer,
    });
    const context = { clock, ids, logger, config, gateway: () => gateway?.gateway };
    knowledge = wireKnowledge(database, registryTransactions, identityTransactions, context);
    const builtins = [...BUILTIN_TOOLS, sandboxWiring.codeInterpreter, knowledge.tool];
    const registry = wireRegistry(registryTransactions, {
      clock,
      ids,
      config,
      validator: argumentValidator,
      builtins,
    });
    const { agents, modelBackends, modelAliases, toolManifests, toolServers, apply, policies } = registry;
    const identity = new IdentityService(tenants, identityTransactions, clock, ids, (tenantId) =>
      credentials.invalidateTenant(tenantId),
    );
    governed = await wireGovernance({
      database,
      cache,
      policies,
      identity: identityTransactions,
      audit,
      clock,
      ids,
      logger,
      config,
      telemetry: telemetry.telemetry,
    });
    gateway = await wireGateway({
      database,
      modelBackends,
      modelAliases,
      masker: new PiiMasker({}),
      audit,
      logger,
      sharedCache: config.redisUrl ? cache : null,
      redisUrl: config.redisUrl,
      livePolicies: (tenantId) => (governed as Governed).tenantPolicies.get(tenantId),
      metrics: telemetry.gatewayMetrics,
      secret: (tenantId, ref, signal) => secrets.resolve(tenantId, ref, signal),
      tracer,
      traceContent: config.traceContent,
    });
    toolWiring = await wireTools({
      database,
      config,
      tools: toolManifests,
      toolServers,
      tenants,
      secrets,
      decisions: governed.decisions,
      mask: (tenantId, value) => (governed as Governed).guards.mask(tenantId, value),
      audit,
      approvals: governed.approvalStore,
      notifier: governed.notifier,
      preview: governed.preview,
      limits: async (tenantId, tool) =>
        scopeLimits(await (governed as Governed).tenantPolicies.get(tenantId), tool),
      validator: argumentValidator,
      builtins,
      sandboxScript: sandboxWiring.sandboxScript,
      clock,
      ids,
      logger,
      tracer,
    });
    const runs = wireRuns(
      database,
      new AgentCatalogService(registryTransactions),
      { backends: modelBackends, aliases: modelAliases, gateway: gateway.gateway },
      toolWiring.gateway,
      (tenantId, ref) => secrets.resolve(tenantId, ref),
      clock,
      ids,
      logger,
      config,
      governed.governance,
      telemetry.telemetry,
    );
    telemetry.watch({
      activeRuns: () => worker?.activeRuns ?? 0,
      sandboxPool: () => (sandboxWiring as SandboxWiring).manager.poolStats(),
      governor: gateway.governor,
      circuits: runs.circuits,
    });
    const triggerDeps = { tenants, secrets, audit, ...context };
    triggers = wireTriggers(database, registry.triggers, runs.service, triggerDeps);

    if (config.demo) {
      const deps = { apply, toolServers, secrets, identityTransactions, knowledge, credentials };
      demo = await startDemo({ ...deps, config, dataDir, logger }, bootstrap.tenant.id, bootstrap.freshStore);
    }
    const authenticator = new Authenticator(credentials, tenants, clock, logger, jwtOptions(config));
    const mode = options.mode ?? 'all';
    const runsWorker = mode === 'worker' || config.workers ? runs.worker : null;
    if (runsWorker) knowledge.startWorker();
    if (runsWorker) triggers.startWorker();
    if (mode === 'worker') {
      worker = runsWorker;
      await worker?.start();
      if (worker) governed.startExpirySweep();
      logger.info(
        { store: database.kind, startupMs: Math.round(performance.now() - started) },
        'agenticai worker is running',
      );
      return platformHandle({ url: '', port: 0, server: null });
    }
    const app = createApp({
      authenticator,
      agents,
      modelBackends,
      modelAliases,
      apply,
      identity,
      runs: runs.service,
      approvals: governed.approvals,
      policies,
      livePolicies: (tenantId) => (governed as Governed).tenantPolicies.get(tenantId),
      guards: governed.guards,
      audit,
      secrets,
      tools: toolWiring.access,
      knowledge: knowledge.access,
      triggers: triggers.access,
      feedback: wireFeedback(database, { audit, guards: governed.guards, clock, ids }),
      uploadLimitBytes: config.knowledgeUploadLimitBytes,
      sandboxes: sandboxWiring.manager,
      mcp: toolWiring.mcp,
      gateway: (gateway as GatewayWiring).gateway,
      readiness: readinessCheck(database, knowledge.denseIndex),
      logger,
      ids,
      bodyLimitBytes: config.bodyLimitBytes,
      version: VERSION,
      metrics: (telemetry as TelemetryWiring).metrics,
      metricsLoopback: config.metricsLoopback,
      telemetry: telemetry.access(
        (tenantId) => (gateway as GatewayWiring).governor.budgetStatus(tenantId),
        clock,
      ),
    });
    server = await startServer(app, config.host, config.port, [
      gatewayLane({
        authenticator,
        gateway: (gateway as GatewayWiring).gateway,
        logger,
        bodyLimitBytes: config.bodyLimitBytes,
      }),
    ]);
    // Workers start once the port is ours: a failed start never leaves runs half-claimed.
    worker = runsWorker;
    await worker?.start();
    if (worker) governed.startExpirySweep();
    const displayHost = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${displayHost}:${server.port}`;
    logger.info(
      {
        url,
        store: database.kind,
        ...(database.sharedBuffersMb === null ? {} : { storeCacheMb: database.sharedBuffersMb }),
        cache: config.redisUrl ? 'redis' : 'memory',
        startupMs: Math.round(performance.now() - started),
      },
      'agenticai is serving',
    );

    return platformHandle({ url, port: server.port, server });

    function platformHandle(http: { url: string; port: number; server: RunningServer | null }): Platform {
      const openCache = cache as Cache;
      let closing: Promise<void> | undefined;
      return {
        ...http,
        worker,
        config,
        database,
        cache: openCache,
        bootstrap,
        adminKeyFile,
        demoLoaded: demo?.loaded ?? [],
        demo: { scenario: demo?.scenario ?? false, model: demo?.model ?? null },
        flushTelemetry: () => (telemetry as TelemetryWiring).flush(),
        sandboxDriver: async () => {
          const driver = await (sandboxWiring as SandboxWiring).manager.driver();
          return { name: driver.name, reason: driver.reason };
        },
        close: () => {
          closing ??= (async () => {
            logger.info('shutting down: draining requests and runs');
            runs.feed.close();
            await governed?.close();
            await Promise.all([
              http.server?.close(config.shutdownTimeoutMs),
              worker?.stop(config.shutdownTimeoutMs),
            ]);
            // After the last request: it may still add a record to the gateway's batch.
            await closeParts();
            logger.info('stopped');
          })();
          return closing;
        },
      };
    }
  } catch (error) {
    await worker?.stop(0);
    await governed?.close();
    await server?.close(0);
    await closeParts();
    if (generatedKeyFile && error instanceof Error) {
      error.message += ` (the admin API key created on this start is saved in ${generatedKeyFile})`;
    }
    throw error;
  }
}
export { type Config, loadConfig } from './config/index.ts';
export { VERSION } from './contracts/index.ts';
