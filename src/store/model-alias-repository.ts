import { type ModelAliasSpec, ModelAliasSpecSchema } from '../contracts/index.ts';
import { type SpecKind, SqlSpecStore } from './spec-resource-repository.ts';
import type { Tx } from './tenant-scope.ts';

const KIND: SpecKind<ModelAliasSpec> = {
  table: 'model_aliases',
  noun: 'model alias',
  schema: ModelAliasSpecSchema,
};

/** Model aliass of one tenant; every write notifies the models channel (the gateway's catalog). */
export class SqlModelAliasStore extends SqlSpecStore<ModelAliasSpec> {
  constructor(trx: Tx, tenantId: string, channel: string) {
    super(trx, tenantId, channel, KIND);
  }
}
