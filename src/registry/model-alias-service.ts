import type { ApplyAction, Labels, ModelAlias, ModelAliasWrite, Page } from '../contracts/index.ts';
import {
  AppError,
  type Clock,
  canonicalJson,
  contentHash,
  decodeCursor,
  encodeCursor,
  type IdGenerator,
  NameCursorSchema,
  notFound,
} from '../core/index.ts';
import type { ListQuery, WriteOptions } from './agent-service.ts';
import { checkIfMatch } from './etag.ts';
import { checkAliasTargets } from './model-alias-targets.ts';
import type { ModelAliasRecord, ModelAliasStore, ModelBackendStore, RegistryTransactions } from './ports.ts';
import { toModelAliasResource } from './resources.ts';

interface Context {
  modelAliases: ModelAliasStore;
  clock: Clock;
  ids: IdGenerator;
}

/** Rows read per query when loading every alias of a tenant. */
const ALL_PAGE = 500;

/**
 * Creates or updates an alias to match a manifest; reports what it did. Does not check the
 * targets: callers run checkAliasTargets first, in the same transaction.
 */
export async function reconcileModelAlias(
  ctx: Context,
  write: ModelAliasWrite,
  expectedVersion?: number,
): Promise<{ action: ApplyAction; record: ModelAliasRecord }> {
  const labels: Labels = write.metadata.labels ?? {};
  const annotations = write.metadata.annotations ?? {};
  const specHash = contentHash(write.spec);
  const existing = await ctx.modelAliases.get(write.metadata.name);
  if (!existing) {
    const record = await ctx.modelAliases.insert({
      id: ctx.ids.next(),
      name: write.metadata.name,
      labels,
      annotations,
      spec: write.spec,
      specHash,
      createdAt: ctx.clock.now(),
    });
    return { action: 'created', record };
  }
  checkIfMatch(expectedVersion, existing.resourceVersion, 'model alias');
  if (
    existing.specHash === specHash &&
    canonicalJson(existing.labels) === canonicalJson(labels) &&
    canonicalJson(existing.annotations) === canonicalJson(annotations)
  ) {
    return { action: 'unchanged', record: existing };
  }
  const record = await ctx.modelAliases.update(
    existing.id,
    { labels, annotations, spec: write.spec, specHash },
    existing.resourceVersion,
  );
  return { action: 'configured', record };
}

/** Throws INVALID_REQUEST naming every target the tenant's backends cannot serve. */
async function assertTargets(backends: ModelBackendStore, write: ModelAliasWrite): Promise<void> {
  const problems = await checkAliasTargets(backends, write.spec, '/spec');
  if (problems.length > 0) {
    throw new AppError(
      'INVALID_REQUEST',
      `the model alias spec is invalid (${problems[0]?.pointer}: ${problems[0]?.detail})`,
      { fieldErrors: problems },
    );
  }
}

/** Model aliases: one model name the callers use, routed over several backend models. */
export class ModelAliasService {
  constructor(
    private readonly transactions: RegistryTransactions,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async list(tenantId: string, query: ListQuery, signal?: AbortSignal): Promise<Page<ModelAlias>> {
    const after = decodeCursor(query.cursor, NameCursorSchema)?.name;
    const records = await this.transactions.run(
      tenantId,
      ({ modelAliases }) => modelAliases.list({ limit: query.limit + 1, after }, query.labels),
      signal,
    );
    const items = records.slice(0, query.limit).map(toModelAliasResource);
    const last = items.at(-1);
    return {
      items,
      nextCursor: records.length > query.limit && last ? encodeCursor({ name: last.metadata.name }) : null,
    };
  }

  /** Every alias of the tenant, ordered by name, read in one transaction (the gateway's catalog). */
  async all(tenantId: string, signal?: AbortSignal): Promise<ModelAlias[]> {
    const records = await this.transactions.run(
      tenantId,
      async ({ modelAliases }) => {
        const found: ModelAliasRecord[] = [];
        for (;;) {
          const page = await modelAliases.list({ limit: ALL_PAGE, after: found.at(-1)?.name });
          found.push(...page);
          if (page.length < ALL_PAGE) return found;
        }
      },
      signal,
    );
    return records.map(toModelAliasResource);
  }

  /** Whether the tenant has an alias by that name. */
  async exists(tenantId: string, name: string, signal?: AbortSignal): Promise<boolean> {
    return (
      (await this.transactions.run(tenantId, ({ modelAliases }) => modelAliases.get(name), signal)) !== null
    );
  }

  async get(tenantId: string, name: string, signal?: AbortSignal): Promise<ModelAlias> {
    const record = await this.transactions.run(
      tenantId,
      ({ modelAliases }) => modelAliases.get(name),
      signal,
    );
    if (!record) throw notFound('model alias', name);
    return toModelAliasResource(record);
  }

  /** Throws INVALID_REQUEST if a target names a backend or model the tenant lacks; ALREADY_EXISTS if taken. */
  async create(tenantId: string, write: ModelAliasWrite, signal?: AbortSignal): Promise<ModelAlias> {
    const record = await this.transactions.run(
      tenantId,
      async ({ modelAliases, modelBackends }) => {
        await assertTargets(modelBackends, write);
        return modelAliases.insert({
          id: this.ids.next(),
          name: write.metadata.name,
          labels: write.metadata.labels ?? {},
          annotations: write.metadata.annotations ?? {},
          spec: write.spec,
          specHash: contentHash(write.spec),
          createdAt: this.clock.now(),
        });
      },
      signal,
    );
    return toModelAliasResource(record);
  }

  async replace(
    tenantId: string,
    name: string,
    write: ModelAliasWrite,
    options: WriteOptions = {},
  ): Promise<ModelAlias> {
    if (write.metadata.name !== name) {
      throw new AppError(
        'INVALID_REQUEST',
        `metadata.name "${write.metadata.name}" does not match the path "${name}"`,
        { fieldErrors: [{ pointer: '/metadata/name', detail: 'must equal the name in the path' }] },
      );
    }
    const { record } = await this.transactions.run(
      tenantId,
      async ({ modelAliases, modelBackends }) => {
        if (!(await modelAliases.get(name))) throw notFound('model alias', name);
        await assertTargets(modelBackends, write);
        return reconcileModelAlias(
          { modelAliases, clock: this.clock, ids: this.ids },
          write,
          options.expectedVersion,
        );
      },
      options.signal,
    );
    return toModelAliasResource(record);
  }

  async delete(tenantId: string, name: string, options: WriteOptions = {}): Promise<void> {
    await this.transactions.run(
      tenantId,
      async ({ modelAliases }) => {
        const existing = await modelAliases.get(name);
        if (!existing) throw notFound('model alias', name);
        checkIfMatch(options.expectedVersion, existing.resourceVersion, 'model alias');
        await modelAliases.delete(existing.id, existing.resourceVersion);
      },
      options.signal,
    );
  }
}
