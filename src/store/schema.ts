import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb columns are written as JSON text and come back parsed; readers validate them (STYLE 9). */
type Json = ColumnType<unknown, string, string>;

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

export interface DB {
  tenants: TenantsTable;
  principals: PrincipalsTable;
  api_keys: ApiKeysTable;
  agents: AgentsTable;
  agent_versions: AgentVersionsTable;
  model_backends: ModelBackendsTable;
}

/** Tables whose rows belong to one tenant; each has row-level security keyed by app.tenant_id. */
export const TENANT_TABLES = [
  'principals',
  'api_keys',
  'agents',
  'agent_versions',
  'model_backends',
] as const;

/** The role tenant-scoped transactions switch to; row-level security applies to it. */
export const TENANT_ROLE = 'agenticai_tenant';
