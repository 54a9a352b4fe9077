import { type ModelBackendSpec, ModelBackendSpecSchema } from '../contracts/index.ts';
import { type SpecKind, SqlSpecStore } from './spec-resource-repository.ts';
import type { Tx } from './tenant-scope.ts';

const KIND: SpecKind<ModelBackendSpec> = {
  table: 'model_backends',
  noun: 'model backend',
  schema: ModelBackendSpecSchema,
};

/** Model backends of one tenant; every write notifies the models channel (the gateway's catalog). */
export class SqlModelBackendStore extends SqlSpecStore<ModelBackendSpec> {
  constructor(trx: Tx, tenantId: string, channel: string) {
    super(trx, tenantId, channel, KIND);
  }
}
