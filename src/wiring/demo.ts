import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KnowledgeAccess } from '../api/index.ts';
import { readManifestDir } from '../api/index.ts';
import type { Config } from '../config/index.ts';
import { PACKAGE_ROOT, uuidv7Ids } from '../core/index.ts';
import type { IdentityTransactions } from '../identity/index.ts';
import type { ApplyService, ToolServerService } from '../registry/index.ts';
import type { SecretService } from '../secrets/index.ts';
import { demoModelBackend } from './demo-model.ts';
import { type DemoToolServers, startDemoToolServers } from './demo-tool-servers.ts';

export const EXAMPLES_DIR = join(PACKAGE_ROOT, 'examples');
/** The security-operations scenario (seed 004 §7): agents, tools, policy, knowledge, trigger. */
export const SCENARIO_DIR = join(EXAMPLES_DIR, 'secops');
/** The label the scenario's objects carry; a store whose tool servers have it gets them started. */
export const DEMO_LABEL = { key: 'demo', value: 'secops' } as const;
/** Where the demo keeps the webhook's signing secret for `actl hooks send` (mode 0600). */
export const WEBHOOK_SECRET_FILE = 'siem-webhook.secret';
/** The group whose members approve firewall blocks (policy.yaml); the demo's admin joins it. */
const APPROVER_GROUP = 'security-ops';
/** The service account the SIEM trigger's runs act as (trigger.yaml's runAs). */
const TRIGGER_PRINCIPAL = 'siem-triage';

export interface DemoDeps {
  apply: ApplyService;
  toolServers: ToolServerService;
  secrets: SecretService;
  identityTransactions: IdentityTransactions;
  knowledge: { access: KnowledgeAccess };
  /** Cached credentials: the admin joins a group, so its tenant's are forgotten. */
  credentials: { invalidateTenant(tenantId: string): void };
  config: Config;
  dataDir: string;
  logger: Logger;
}

/** What `actl up` loaded and started for the demo. */
export interface Demo {
  /** `Kind/name` of each object applied on this start (empty when the store already had them). */
  loaded: string[];
  /** The security-operations scenario is loaded here (its tool servers started, unless they failed: see the log). */
  scenario: boolean;
  /** The model the agents think with, or null when none is configured. */
  model: { endpoint: string; name: string } | null;
  close(): Promise<void>;
}

const NO_DEMO: Demo = { loaded: [], scenario: false, model: null, close: async () => undefined };

/**
 * The demo of `actl up`. On a fresh store: the example agents and the security-operations scenario
 * (its tool servers started here, the knowledge base ingested, the admin in security-ops). On a
 * store that has the scenario: its tool servers started again and registered at their new
 * addresses. With AGENTICAI_OPENAI_BASE_URL: ModelBackend demo-llm, and the agents ask for its model.
 */
export async function startDemo(deps: DemoDeps, tenantId: string, freshStore: boolean): Promise<Demo> {
  const { apply, logger } = deps;
  const existing = freshStore ? null : await deps.toolServers.all(tenantId);
  const hasScenario =
    freshStore ||
    (existing ?? []).some((server) => server.metadata.labels[DEMO_LABEL.key] === DEMO_LABEL.value);
  if (!hasScenario && !deps.config.openaiBaseUrl) return NO_DEMO;

  // A demo whose tool servers cannot start still leaves a working platform; the tools say why.
  const servers = hasScenario
    ? await startDemoToolServers(deps.dataDir, logger).catch((error: unknown) => {
        logger.error({ err: error }, 'the demo tool servers did not start: the scenario runs without them');
        return null;
      })
    : null;
  try {
    const model = deps.config.openaiBaseUrl ? await demoModelBackend(deps, tenantId) : null;
    const scenario = readManifestDir(SCENARIO_DIR);
    const manifests = freshStore
      ? [...readManifestDir(join(EXAMPLES_DIR, 'agents')), ...scenario]
      : scenario.filter((manifest) => kindOf(manifest) === 'ToolServer' || (model && isDemoAgent(manifest)));
    if (model) manifests.push(model.manifest);
    if (freshStore) {
      await seedSecrets(deps, tenantId);
      await setUpPrincipals(deps, tenantId);
    }
    const result = await apply.apply(
      tenantId,
      manifests.map((manifest) => adjust(manifest, servers, model?.name)),
      { dryRun: false, draft: false, mayWrite: () => true },
    );
    const loaded = result.items.filter((item) => item.action !== 'unchanged');
    if (freshStore) await ingestKnowledge(deps, tenantId);
    logger.info({ objects: loaded.map((item) => `${item.kind}/${item.name}`) }, 'demo objects loaded');
    return {
      loaded: freshStore ? result.items.map((item) => `${item.kind}/${item.name}`) : [],
      scenario: hasScenario,
      model: model && { endpoint: model.endpoint, name: model.name },
      close: async () => servers?.close(),
    };
  } catch (error) {
    await servers?.close();
    throw error;
  }
}

type Manifest = {
  kind?: unknown;
  metadata?: { name?: unknown; labels?: Record<string, string> };
  spec?: unknown;
};

const kindOf = (manifest: unknown) => (manifest as Manifest).kind;
const isDemoAgent = (manifest: unknown) =>
  kindOf(manifest) === 'Agent' &&
  (manifest as Manifest).metadata?.labels?.[DEMO_LABEL.key] === DEMO_LABEL.value;

/** The scenario's tool servers at the addresses they got on this start; its agents on the model given. */
function adjust(manifest: unknown, servers: DemoToolServers | null, modelName: string | undefined): unknown {
  const { kind, metadata, spec } = manifest as Manifest & { spec: Record<string, unknown> };
  const name = String(metadata?.name ?? '');
  if (kind === 'ToolServer' && servers?.urls[name])
    return { ...(manifest as object), spec: { ...spec, url: servers.urls[name] } };
  if (modelName && isDemoAgent(manifest))
    return {
      ...(manifest as object),
      spec: { ...spec, model: { ...(spec.model as object), name: modelName } },
    };
  return manifest;
}

/**
 * The threat-intel feed's key and the SIEM webhook's signing secret, made up for the demo; the
 * latter also in the data directory (mode 0600), for `actl hooks send --secret`.
 */
async function seedSecrets(deps: DemoDeps, tenantId: string): Promise<void> {
  const random = () => randomBytes(24).toString('base64url');
  const signing = random();
  await deps.secrets.put(tenantId, 'threat-intel-key', { data: { key: random() } });
  await deps.secrets.put(tenantId, 'siem-webhook', { data: { secret: signing } });
  writeFileSync(join(deps.dataDir, WEBHOOK_SECRET_FILE), `${signing}\n`, { mode: 0o600 });
}

/**
 * The demo's admin approves firewall blocks: it joins group security-ops. The SIEM trigger's runs
 * act as service account siem-triage, which may read internal knowledge (clearance 2).
 */
async function setUpPrincipals(deps: DemoDeps, tenantId: string): Promise<void> {
  await deps.identityTransactions.run(tenantId, async ({ principals }) => {
    const now = new Date();
    await principals.insert({
      id: uuidv7Ids.next(),
      tenantId,
      name: TRIGGER_PRINCIPAL,
      kind: 'service_account',
      roles: ['viewer'],
      groups: [],
      clearance: 2,
      disabled: false,
      createdAt: now,
      updatedAt: now,
    });
    for (const name of ['admin', 'bootstrap']) {
      const found = await principals.getByName(name);
      if (found && !found.groups.includes(APPROVER_GROUP))
        await principals.update(found.id, { groups: [...found.groups, APPROVER_GROUP] });
    }
  });
  deps.credentials.invalidateTenant(tenantId);
}

/** Queues the scenario's SOPs and incident reports; the ingestion worker takes them once it runs. */
async function ingestKnowledge(deps: DemoDeps, tenantId: string): Promise<void> {
  const folder = join(SCENARIO_DIR, 'knowledge');
  const documents = readdirSync(folder)
    .filter((file) => file.endsWith('.md'))
    .sort()
    .map((file) => ({
      source: `examples/secops/knowledge/${file}`,
      content: readFileSync(join(folder, file), 'utf8'),
    }));
  await deps.knowledge.access.knowledge.ingest(tenantId, 'demo', 'secops-kb', documents);
}
