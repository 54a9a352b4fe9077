import type { ApplyAction, ModelAlias, ModelAliasSpec, ModelAliasWrite } from '../contracts/index.ts';
import { AppError, type Clock, type IdGenerator } from '../core/index.ts';
import { checkAliasTargets } from './model-alias-targets.ts';
import type { ModelAliasRecord, ModelAliasStore, RegistryTransactions } from './ports.ts';
import { toModelAliasResource } from './resources.ts';
import { reconcileSpec, type SpecKindDefinition, SpecResourceService } from './spec-resource-service.ts';

const NOUN = 'model alias';

const MODEL_ALIASES: SpecKindDefinition<ModelAliasSpec, ModelAlias> = {
  noun: NOUN,
  store: (stores) => stores.modelAliases,
  toResource: toModelAliasResource,
  // Every target must name a backend of the tenant and a model it serves.
  check: async (stores, write) => {
    const problems = await checkAliasTargets(stores.modelBackends, write.spec, '/spec');
    if (problems.length > 0)
      throw new AppError(
        'INVALID_REQUEST',
        `the model alias spec is invalid (${problems[0]?.pointer}: ${problems[0]?.detail})`,
        { fieldErrors: problems },
      );
  },
};

/**
 * Creates or updates an alias to match a manifest; reports what it did. Does not check the
 * targets: callers run checkAliasTargets first, in the same transaction.
 */
export function reconcileModelAlias(
  ctx: { modelAliases: ModelAliasStore; clock: Clock; ids: IdGenerator },
  write: ModelAliasWrite,
  expectedVersion?: number,
): Promise<{ action: ApplyAction; record: ModelAliasRecord }> {
  return reconcileSpec(ctx.modelAliases, ctx, NOUN, write, expectedVersion);
}

/** Model aliases: one model name the callers use, routed over several backend models. */
export class ModelAliasService extends SpecResourceService<ModelAliasSpec, ModelAlias> {
  constructor(transactions: RegistryTransactions, clock: Clock, ids: IdGenerator) {
    super(transactions, clock, ids, MODEL_ALIASES);
  }
}
