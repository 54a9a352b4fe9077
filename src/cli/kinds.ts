import {
  type Agent,
  type AgenticClient,
  API_VERSION,
  type ApiKey,
  type KnowledgeBase,
  type ModelAlias,
  type ModelBackend,
  type Policy,
  type Principal,
  type Route,
  routes,
  type Secret,
  type Tenant,
  type ToolInfo,
  type ToolServer,
  type Trigger,
} from '../contracts/index.ts';
import { UsageError } from './exit-codes.ts';
import { age, type Column } from './output.ts';

/** What `get`, `describe` and `delete` need to know about one kind. */
export interface KindInfo<T> {
  /** Singular, as in `agent/secops-triage`. */
  singular: string;
  aliases: readonly string[];
  list: Route;
  get: Route;
  remove?: Route;
  /** Path parameter the name goes into. */
  key: 'name' | 'id';
  nameOf: (item: T) => string;
  columns: readonly Column<T>[];
}

const knowledgeBaseColumns: Column<KnowledgeBase>[] = [
  { header: 'NAME', value: (k) => k.metadata.name },
  {
    header: 'EMBEDDER',
    value: (k) => (k.spec.embedder.type === 'gateway' ? k.spec.embedder.model : 'hashing'),
  },
  { header: 'CHUNKING', value: (k) => `${k.spec.chunking.strategy}/${k.spec.chunking.size}` },
  { header: 'ACCESS', value: (k) => `${k.spec.access_group}/L${k.spec.sensitivity_level}` },
  { header: 'DOCS', value: (k) => (k.status ? String(k.status.documents) : '-') },
  { header: 'AGE', value: (k) => age(k.metadata.createdAt) },
];

const agentColumns: Column<Agent>[] = [
  { header: 'NAME', value: (a) => a.metadata.name },
  {
    header: 'ACTIVE',
    value: (a) => (a.status.activeVersion === null ? '-' : String(a.status.activeVersion)),
  },
  { header: 'LATEST', value: (a) => String(a.status.latestVersion) },
  { header: 'STATUS', value: (a) => a.status.phase },
  { header: 'RUNTIME', value: (a) => a.spec.runtime },
  { header: 'MODEL', value: (a) => `${a.spec.model.backend}/${a.spec.model.name}` },
  { header: 'AGE', value: (a) => age(a.metadata.createdAt) },
];

const backendColumns: Column<ModelBackend>[] = [
  { header: 'NAME', value: (b) => b.metadata.name },
  { header: 'TYPE', value: (b) => b.spec.type },
  { header: 'ENDPOINT', value: (b) => b.spec.endpoint },
  { header: 'MODELS', value: (b) => b.spec.models.join(',') },
  { header: 'AGE', value: (b) => age(b.metadata.createdAt) },
];

const aliasColumns: Column<ModelAlias>[] = [
  { header: 'NAME', value: (a) => a.metadata.name },
  { header: 'STRATEGY', value: (a) => a.spec.routing_strategy },
  {
    header: 'TARGETS',
    value: (a) =>
      a.spec.targets && a.spec.targets.length > 0
        ? a.spec.targets.map((t) => (t.model ? `${t.backend}/${t.model}` : t.backend)).join(',')
        : `capabilities: ${(a.spec.capabilities ?? []).join(',')}`,
  },
  { header: 'AGE', value: (a) => age(a.metadata.createdAt) },
];

const policyColumns: Column<Policy>[] = [
  { header: 'NAME', value: (p) => p.metadata.name },
  { header: 'VERSION', value: (p) => String(p.status.version) },
  {
    header: 'SECTIONS',
    value: (p) =>
      (
        [
          'rbac',
          'quotas',
          'scopes',
          'approval_gates',
          'pii_masking',
          'injection',
          'budgets',
          'rate_limits',
        ] as const
      )
        .filter((key) => p.spec[key] !== undefined)
        .join(',') || '-',
  },
  { header: 'AGE', value: (p) => age(p.metadata.createdAt) },
];

const tenantColumns: Column<Tenant>[] = [
  { header: 'NAME', value: (t) => t.name },
  { header: 'DISPLAY NAME', value: (t) => t.displayName },
  { header: 'AGE', value: (t) => age(t.createdAt) },
];

const principalColumns: Column<Principal>[] = [
  { header: 'NAME', value: (p) => p.name },
  { header: 'KIND', value: (p) => p.kind },
  { header: 'ROLES', value: (p) => p.roles.join(',') },
  { header: 'DISABLED', value: (p) => String(p.disabled) },
  { header: 'AGE', value: (p) => age(p.createdAt) },
];

const apiKeyColumns: Column<ApiKey>[] = [
  { header: 'ID', value: (k) => k.id },
  { header: 'NAME', value: (k) => k.name },
  { header: 'PRINCIPAL', value: (k) => k.principal },
  { header: 'PREFIX', value: (k) => `${k.prefix}…` },
  { header: 'EXPIRES', value: (k) => k.expiresAt ?? 'never' },
  { header: 'LAST USED', value: (k) => (k.lastUsedAt ? `${age(k.lastUsedAt)} ago` : 'never') },
  {
    header: 'STATUS',
    value: (k) =>
      k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) < Date.now() ? 'expired' : 'active',
  },
];

const oneLine = (text: string, max = 60) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

const toolColumns: Column<ToolInfo>[] = [
  { header: 'NAME', value: (t) => t.name },
  { header: 'TYPE', value: (t) => t.type },
  { header: 'SOURCE', value: (t) => (t.server ? `${t.source}:${t.server}` : t.source) },
  { header: 'DESCRIPTION', value: (t) => oneLine(t.description) },
];

const toolServerColumns: Column<ToolServer>[] = [
  { header: 'NAME', value: (s) => s.metadata.name },
  { header: 'TRANSPORT', value: (s) => s.spec.transport },
  { header: 'STATE', value: (s) => s.status.state },
  { header: 'TOOLS', value: (s) => String(s.status.tools.length) },
  { header: 'ERROR', value: (s) => oneLine(s.status.lastError ?? '-', 50) },
  { header: 'AGE', value: (s) => age(s.metadata.createdAt) },
];

const triggerColumns: Column<Trigger>[] = [
  { header: 'NAME', value: (t) => t.metadata.name },
  { header: 'TYPE', value: (t) => t.spec.type },
  { header: 'AGENT', value: (t) => (t.spec.version ? `${t.spec.agent}@${t.spec.version}` : t.spec.agent) },
  {
    header: 'SCHEDULE / HOOK',
    value: (t) =>
      t.spec.type === 'schedule'
        ? `${t.spec.schedule.cron} (${t.spec.schedule.timezone})`
        : (t.status?.hookPath ?? '-'),
  },
  {
    header: 'NEXT FIRE',
    value: (t) => (!t.spec.enabled ? 'disabled' : (t.status?.nextFireAt ?? '-')),
  },
  {
    header: 'LAST FIRED',
    value: (t) => (t.status?.lastFiredAt ? `${age(t.status.lastFiredAt)} ago` : 'never'),
  },
  {
    header: 'LAST RUN',
    value: (t) =>
      t.status?.lastError ? oneLine(`error: ${t.status.lastError}`, 50) : (t.status?.lastRunId ?? '-'),
  },
];

const secretColumns: Column<Secret>[] = [
  { header: 'NAME', value: (s) => s.name },
  { header: 'KEYS', value: (s) => s.keys.join(',') },
  { header: 'VERSION', value: (s) => String(s.version) },
  { header: 'AGE', value: (s) => age(s.createdAt) },
];

export const KINDS = {
  agents: {
    singular: 'agent',
    aliases: ['agent', 'agents', 'ag'],
    list: routes.listAgents,
    get: routes.getAgent,
    remove: routes.deleteAgent,
    key: 'name',
    nameOf: (a: Agent) => a.metadata.name,
    columns: agentColumns,
  } satisfies KindInfo<Agent>,
  modelbackends: {
    singular: 'modelbackend',
    aliases: ['modelbackend', 'modelbackends', 'model-backend', 'model-backends', 'mb'],
    list: routes.listModelBackends,
    get: routes.getModelBackend,
    remove: routes.deleteModelBackend,
    key: 'name',
    nameOf: (b: ModelBackend) => b.metadata.name,
    columns: backendColumns,
  } satisfies KindInfo<ModelBackend>,
  modelaliases: {
    singular: 'modelalias',
    aliases: ['modelalias', 'modelaliases', 'model-alias', 'model-aliases', 'aliases', 'ma'],
    list: routes.listModelAliases,
    get: routes.getModelAlias,
    remove: routes.deleteModelAlias,
    key: 'name',
    nameOf: (a: ModelAlias) => a.metadata.name,
    columns: aliasColumns,
  } satisfies KindInfo<ModelAlias>,
  policies: {
    singular: 'policy',
    aliases: ['policy', 'policies', 'pol'],
    list: routes.listPolicies,
    get: routes.getPolicy,
    remove: routes.deletePolicy,
    key: 'name',
    nameOf: (p: Policy) => p.metadata.name,
    columns: policyColumns,
  } satisfies KindInfo<Policy>,
  tenants: {
    singular: 'tenant',
    aliases: ['tenant', 'tenants'],
    list: routes.listTenants,
    get: routes.getTenant,
    remove: routes.deleteTenant,
    key: 'name',
    nameOf: (t: Tenant) => t.name,
    columns: tenantColumns,
  } satisfies KindInfo<Tenant>,
  principals: {
    singular: 'principal',
    aliases: ['principal', 'principals', 'user', 'users', 'serviceaccount', 'serviceaccounts', 'sa'],
    list: routes.listPrincipals,
    get: routes.getPrincipal,
    remove: routes.deletePrincipal,
    key: 'name',
    nameOf: (p: Principal) => p.name,
    columns: principalColumns,
  } satisfies KindInfo<Principal>,
  tools: {
    singular: 'tool',
    aliases: ['tool', 'tools'],
    list: routes.listTools,
    get: routes.getTool,
    remove: routes.deleteTool,
    key: 'name',
    nameOf: (t: ToolInfo) => t.name,
    columns: toolColumns,
  } satisfies KindInfo<ToolInfo>,
  toolservers: {
    singular: 'toolserver',
    aliases: ['toolserver', 'toolservers', 'tool-server', 'tool-servers', 'ts'],
    list: routes.listToolServers,
    get: routes.getToolServer,
    remove: routes.deleteToolServer,
    key: 'name',
    nameOf: (s: ToolServer) => s.metadata.name,
    columns: toolServerColumns,
  } satisfies KindInfo<ToolServer>,
  knowledgebases: {
    singular: 'knowledgebase',
    aliases: ['knowledgebase', 'knowledgebases', 'knowledge-base', 'knowledge-bases', 'kb', 'kbs'],
    list: routes.listKnowledgeBases,
    get: routes.getKnowledgeBase,
    remove: routes.deleteKnowledgeBase,
    key: 'name',
    nameOf: (k: KnowledgeBase) => k.metadata.name,
    columns: knowledgeBaseColumns,
  } satisfies KindInfo<KnowledgeBase>,
  triggers: {
    singular: 'trigger',
    aliases: ['trigger', 'triggers', 'tr'],
    list: routes.listTriggers,
    get: routes.getTrigger,
    remove: routes.deleteTrigger,
    key: 'name',
    nameOf: (t: Trigger) => t.metadata.name,
    columns: triggerColumns,
  } satisfies KindInfo<Trigger>,
  secrets: {
    singular: 'secret',
    aliases: ['secret', 'secrets'],
    list: routes.listSecrets,
    get: routes.getSecret,
    remove: routes.deleteSecret,
    key: 'name',
    nameOf: (s: Secret) => s.name,
    columns: secretColumns,
  } satisfies KindInfo<Secret>,
  apikeys: {
    singular: 'apikey',
    aliases: ['apikey', 'apikeys', 'api-key', 'api-keys'],
    list: routes.listApiKeys,
    get: routes.getApiKey,
    key: 'id',
    nameOf: (k: ApiKey) => k.id,
    columns: apiKeyColumns,
  } satisfies KindInfo<ApiKey>,
} as const;

export type KindName = keyof typeof KINDS;
export const KIND_WORDS: string[] = Object.values(KINDS).flatMap((k) => [...k.aliases]);

export function resolveKind(word: string): { name: KindName; info: KindInfo<unknown> } {
  const lower = word.toLowerCase();
  for (const [name, info] of Object.entries(KINDS)) {
    if ((info.aliases as readonly string[]).includes(lower))
      return { name: name as KindName, info: info as unknown as KindInfo<unknown> };
  }
  throw new UsageError(`unknown kind "${word}"; use one of: ${Object.keys(KINDS).join(', ')}`);
}

/** Every item of a list, following cursors. */
export async function listAll(
  client: AgenticClient,
  route: Route,
  query: Record<string, string> = {},
): Promise<unknown[]> {
  const items: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = (
      await client.callRaw(route, { query: { ...query, limit: 500, ...(cursor ? { cursor } : {}) } } as never)
    ).body as { items: unknown[]; nextCursor: string | null };
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The kubectl-style list envelope for -o json / yaml. */
export const listEnvelope = (items: unknown[]) => ({ apiVersion: API_VERSION, kind: 'List', items });
