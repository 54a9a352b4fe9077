import type { Kysely } from 'kysely';
import type { RegistryStores, RegistryTransactions } from '../registry/index.ts';
import { SqlAgentStore } from './agent-repository.ts';
import { SqlKnowledgeBaseStore } from './knowledge-base-repository.ts';
import { SqlModelAliasStore } from './model-alias-repository.ts';
import { SqlModelBackendStore } from './model-backend-repository.ts';
import { SqlPolicyStore } from './policy-repository.ts';
import { channelsFor } from './run-signals.ts';
import type { DB } from './schema.ts';
import { inTenantTransaction } from './tenant-scope.ts';
import { SqlToolServerStore, SqlToolStore } from './tool-repository.ts';
import { SqlTriggerStore } from './trigger-repository.ts';

/** RegistryTransactions over one database: each run is one tenant-scoped transaction. */
export class SqlRegistryTransactions implements RegistryTransactions {
  readonly #policyChannel: string;
  readonly #modelsChannel: string;
  readonly #toolsChannel: string;
  readonly #triggersChannel: string;

  constructor(
    private readonly db: Kysely<DB>,
    schema = 'public',
  ) {
    this.#policyChannel = channelsFor(schema).policies;
    this.#modelsChannel = channelsFor(schema).models;
    this.#toolsChannel = channelsFor(schema).tools;
    this.#triggersChannel = channelsFor(schema).triggers;
  }

  run<T>(tenantId: string, fn: (stores: RegistryStores) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return inTenantTransaction(
      this.db,
      tenantId,
      (trx) =>
        fn({
          agents: new SqlAgentStore(trx, tenantId),
          principals: {
            exists: async (name) =>
              (await trx
                .selectFrom('principals')
                .select('id')
                .where('tenant_id', '=', tenantId)
                .where('name', '=', name)
                .executeTakeFirst()) !== undefined,
          },
          knowledgeBases: new SqlKnowledgeBaseStore(trx, tenantId, this.#toolsChannel),
          modelBackends: new SqlModelBackendStore(trx, tenantId, this.#modelsChannel),
          modelAliases: new SqlModelAliasStore(trx, tenantId, this.#modelsChannel),
          policies: new SqlPolicyStore(trx, tenantId, this.#policyChannel),
          tools: new SqlToolStore(trx, tenantId, this.#toolsChannel),
          toolServers: new SqlToolServerStore(trx, tenantId, this.#toolsChannel),
          triggers: new SqlTriggerStore(trx, tenantId, this.#triggersChannel),
        }),
      signal,
    );
  }
}
