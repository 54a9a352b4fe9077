import type { ColumnType, Generated } from 'kysely';
import type { RunFeedbackTable } from './schema-feedback.ts';
import type {
  KnowledgeChunksTable,
  KnowledgeDocumentsTable,
  KnowledgeJobsTable,
  KnowledgeTermsTable,
  RunLineageTable,
} from './schema-knowledge.ts';
import type { TriggerStateTable } from './schema-triggers.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb columns are written as JSON text and come back parsed; readers validate them (STYLE 9). */
type Json = ColumnType<unknown, string, string>;
type NullableJson = ColumnType<unknown, string | null | undefined, string | null>;

export interface TenantsTable {
  id: string;
  name: string;
  display_name: string;
  created_at: Timestamp;
}

export interface PrincipalsTable {
  id: string;
  tenant_id: string;
  name: string;
  kind: string;
  roles: ColumnType<string[], string[], string[]>;
  groups: ColumnType<string[], string[] | undefined, string[]>;
  clearance: Generated<number>;
  disabled: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  principal_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface AgentsTable {
  id: string;
  tenant_id: string;
  name: string;
  labels: Json;
  annotations: Json;
  active_version: number | null;
  latest_version: number;
  resource_version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AgentVersionsTable {
  tenant_id: string;
  agent_id: string;
  version: number;
  status: string;
  spec: Json;
  spec_hash: string;
  created_at: Timestamp;
  published_at: NullableTimestamp;
  deprecated_at: NullableTimestamp;
}

export interface ModelBackendsTable {
  id: string;
  tenant_id: string;
  name: string;
  labels: Json;
  annotations: Json;
  spec: Json;
  spec_hash: string;
  resource_version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Same columns as model_backends; `spec` holds a ModelAliasSpec. */
export interface ModelAliasesTable {
  id: string;
  tenant_id: string;
  name: string;
  labels: Json;
  annotations: Json;
  spec: Json;
  spec_hash: string;
  resource_version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Tools and tool servers: spec-only kinds with the columns of model aliases. */
export type ToolsTable = ModelAliasesTable;
export type ToolServersTable = ModelAliasesTable;

export interface SecretsTable {
  id: string;
  tenant_id: string;
  name: string;
  labels: Json;
  keys: string[];
  /** base64url(IV ‖ tag ‖ ciphertext) of the JSON key → value map. */
  sealed: string;
  key_id: string;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SemanticCacheTable {
  id: string;
  tenant_id: string;
  scope: string;
  sensitivity: number;
  embedding: number[];
  completion: Json;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  tenant_id: string;
  agent_name: string | null;
  metadata: Json;
  next_seq: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SessionMessagesTable {
  tenant_id: string;
  session_id: string;
  seq: number;
  role: string;
  content: Json;
  run_id: string | null;
  created_at: Timestamp;
}

export interface RunsTable {
  id: string;
  tenant_id: string;
  agent_name: string;
  agent_version: number;
  session_id: string | null;
  status: string;
  status_reason: string | null;
  input: Json;
  output: NullableJson;
  error: NullableJson;
  metadata: Json;
  idempotency_key: string | null;
  request_hash: string | null;
  created_by: string;
  trace_id: string;
  parent_span_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  started_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  timeout_ms: number | null;
  deadline_at: NullableTimestamp;
  paused_at: NullableTimestamp;
  wake_at: Timestamp;
  lease_owner: string | null;
  lease_expires_at: NullableTimestamp;
  generation: Generated<number>;
  cancel_requested: Generated<boolean>;
  cancel_request: NullableJson;
  resolution: NullableJson;
  step_count: Generated<number>;
  input_tokens: Generated<number>;
  output_tokens: Generated<number>;
  event_seq: Generated<number>;
}

export interface RunStepsTable {
  tenant_id: string;
  run_id: string;
  key: string;
  seq: number;
  kind: string;
  name: string;
  status: string;
  input: NullableJson;
  output: NullableJson;
  error: NullableJson;
  idempotency_key: string;
  attempt: Generated<number>;
  input_tokens: Generated<number>;
  output_tokens: Generated<number>;
  trace_id: string;
  started_at: Timestamp;
  ended_at: NullableTimestamp;
}

export interface RunEventsTable {
  tenant_id: string;
  run_id: string;
  seq: number;
  type: string;
  data: Json;
  created_at: Timestamp;
}

export interface PoliciesTable {
  id: string;
  tenant_id: string;
  name: string;
  labels: Json;
  annotations: Json;
  spec: Json;
  spec_hash: string;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PolicyVersionsTable {
  tenant_id: string;
  policy_name: string;
  version: number;
  spec: Json;
  created_at: Timestamp;
}

export interface ApprovalsTable {
  id: string;
  tenant_id: string;
  run_id: string | null;
  step_key: string;
  kind: string;
  status: string;
  tool: string;
  call_hash: string;
  arguments: Json;
  reason: string;
  rules: Json;
  approvers: Json;
  min_approvals: number;
  on_timeout: string;
  decisions: Json;
  expires_at: ColumnType<Date, Date, Date>;
  decided_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: Timestamp;
  consumed_at: Timestamp | null;
}

export interface AuditRecordsTable {
  tenant_id: string;
  seq: ColumnType<string, number, never>;
  id: string;
  time: Timestamp;
  actor_type: string;
  actor: string;
  run_id: string | null;
  trace_id: string | null;
  user_id: string | null;
  action: string;
  tool: string | null;
  decision: string | null;
  rule: string | null;
  input: NullableJson;
  output: NullableJson;
  metadata: Json;
  content_hash: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadsTable {
  tenant_id: string;
  seq: ColumnType<string, number, number>;
  hash: string;
  updated_at: Timestamp;
}

export interface TraceSpansTable {
  id: Generated<string>;
  tenant_id: string;
  trace_id: string;
  run_id: string | null;
  started_at: Timestamp;
  /** A JSON array of spans, as text (the trace store's StoredSpan, times as ISO strings). */
  spans: string;
}

export interface UsageDailyTable {
  tenant_id: string;
  day: ColumnType<string, string, string>;
  agent: string;
  model: string;
  principal: string;
  calls: ColumnType<string, number, number>;
  errors: ColumnType<string, number, number>;
  input_tokens: ColumnType<string, number, number>;
  output_tokens: ColumnType<string, number, number>;
  cost_usd: ColumnType<string, number, number>;
  unpriced_calls: ColumnType<string, number, number>;
}

export interface DB {
  tenants: TenantsTable;
  principals: PrincipalsTable;
  api_keys: ApiKeysTable;
  agents: AgentsTable;
  agent_versions: AgentVersionsTable;
  model_backends: ModelBackendsTable;
  model_aliases: ModelAliasesTable;
  tools: ToolsTable;
  tool_servers: ToolServersTable;
  secrets: SecretsTable;
  semantic_cache: SemanticCacheTable;
  sessions: SessionsTable;
  session_messages: SessionMessagesTable;
  runs: RunsTable;
  run_steps: RunStepsTable;
  run_events: RunEventsTable;
  policies: PoliciesTable;
  policy_versions: PolicyVersionsTable;
  approvals: ApprovalsTable;
  audit_records: AuditRecordsTable;
  audit_heads: AuditHeadsTable;
  trace_spans: TraceSpansTable;
  usage_daily: UsageDailyTable;
  knowledge_bases: ModelAliasesTable;
  knowledge_documents: KnowledgeDocumentsTable;
  knowledge_chunks: KnowledgeChunksTable;
  knowledge_terms: KnowledgeTermsTable;
  knowledge_jobs: KnowledgeJobsTable;
  run_lineage: RunLineageTable;
  // Same columns as the other spec-only kinds.
  triggers: ModelAliasesTable;
  trigger_state: TriggerStateTable;
  run_feedback: RunFeedbackTable;
}

/** Tables whose rows belong to one tenant; each has row-level security keyed by app.tenant_id. */
export const TENANT_TABLES = [
  'principals',
  'api_keys',
  'agents',
  'agent_versions',
  'model_backends',
  'model_aliases',
  'tools',
  'tool_servers',
  'secrets',
  'semantic_cache',
  'sessions',
  'session_messages',
  'runs',
  'run_steps',
  'run_events',
  'policies',
  'policy_versions',
  'approvals',
  'trace_spans',
  'usage_daily',
  'knowledge_bases',
  'knowledge_documents',
  'knowledge_chunks',
  'knowledge_terms',
  'knowledge_jobs',
  'run_lineage',
  'triggers',
  'trigger_state',
  'run_feedback',
] as const;

/** The role tenant-scoped transactions switch to; row-level security applies to it. */
export const TENANT_ROLE = 'agenticai_tenant';
