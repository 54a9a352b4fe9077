import type { ApplyAction, ModelBackend, ModelBackendSpec, ModelBackendWrite } from '../contracts/index.ts';
import type { Clock, IdGenerator } from '../core/index.ts';
import type { ModelBackendRecord, ModelBackendStore, RegistryTransactions } from './ports.ts';
import { toModelBackendResource } from './resources.ts';
import { reconcileSpec, type SpecKindDefinition, SpecResourceService } from './spec-resource-service.ts';

const NOUN = 'model backend';

const MODEL_BACKENDS: SpecKindDefinition<ModelBackendSpec, ModelBackend> = {
  noun: NOUN,
  store: (stores) => stores.modelBackends,
  toResource: toModelBackendResource,
};

/** Creates or updates a backend to match a manifest; reports what it did. */
export function reconcileModelBackend(
  ctx: { modelBackends: ModelBackendStore; clock: Clock; ids: IdGenerator },
  write: ModelBackendWrite,
  expectedVersion?: number,
): Promise<{ action: ApplyAction; record: ModelBackendRecord }> {
  return reconcileSpec(ctx.modelBackends, ctx, NOUN, write, expectedVersion);
}

/** Model backends: where the gateway may send model calls. */
export class ModelBackendService extends SpecResourceService<ModelBackendSpec, ModelBackend> {
  constructor(transactions: RegistryTransactions, clock: Clock, ids: IdGenerator) {
    super(transactions, clock, ids, MODEL_BACKENDS);
  }
}
