import type {
  ApplyAction,
  Labels,
  ModelBackend,
  ModelBackendSpec,
  ModelBackendWrite,
  Page,
} from '../contracts/index.ts';
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
import type { ModelBackendRecord, ModelBackendStore, RegistryTransactions } from './ports.ts';
import { toModelBackendResource } from './resources.ts';

interface Context {
  modelBackends: ModelBackendStore;
  clock: Clock;
  ids: IdGenerator;
}

/** Creates or updates a backend to match a manifest; reports what it did. */
export async function reconcileModelBackend(
  ctx: Context,
  write: ModelBackendWrite,
  expectedVersion?: number,
): Promise<{ action: ApplyAction; record: ModelBackendRecord }> {
  const labels: Labels = write.metadata.labels ?? {};
  const annotations = write.metadata.annotations ?? {};
  const specHash = contentHash(write.spec);
  const existing = await ctx.modelBackends.get(write.metadata.name);
  if (!existing) {
    const record = await ctx.modelBackends.insert({
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
  checkIfMatch(expectedVersion, existing.resourceVersion, 'model backend');
  if (
    existing.specHash === specHash &&
    canonicalJson(existing.labels) === canonicalJson(labels) &&
    canonicalJson(existing.annotations) === canonicalJson(annotations)
  ) {
    return { action: 'unchanged', record: existing };
  }
  const record = await ctx.modelBackends.update(
    existing.id,
    { labels, annotations, spec: write.spec, specHash },
    existing.resourceVersion,
  );
  return { action: 'configured', record };
}

/** Model backends: where the gateway may send model calls. */
export class ModelBackendService {
  constructor(
    private readonly transactions: RegistryTransactions,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async list(tenantId: string, query: ListQuery, signal?: AbortSignal): Promise<Page<ModelBackend>> {
    const after = decodeCursor(query.cursor, NameCursorSchema)?.name;
    const records = await this.transactions.run(
      tenantId,
      ({ modelBackends }) => modelBackends.list({ limit: query.limit + 1, after }, query.labels),
      signal,
    );
    const items = records.slice(0, query.limit).map(toModelBackendResource);
    const last = items.at(-1);
    return {
      items,
      nextCursor: records.length > query.limit && last ? encodeCursor({ name: last.metadata.name }) : null,
    };
  }

  async get(tenantId: string, name: string, signal?: AbortSignal): Promise<ModelBackend> {
    const record = await this.transactions.run(
      tenantId,
      ({ modelBackends }) => modelBackends.get(name),
      signal,
    );
    if (!record) throw notFound('model backend', name);
    return toModelBackendResource(record);
  }

  /** The backend's spec, or null if there is none by that name. */
  async find(tenantId: string, name: string): Promise<ModelBackendSpec | null> {
    return (
      (await this.transactions.run(tenantId, ({ modelBackends }) => modelBackends.get(name)))?.spec ?? null
    );
  }

  async create(tenantId: string, write: ModelBackendWrite, signal?: AbortSignal): Promise<ModelBackend> {
    const record = await this.transactions.run(
      tenantId,
      ({ modelBackends }) =>
        modelBackends.insert({
          id: this.ids.next(),
          name: write.metadata.name,
          labels: write.metadata.labels ?? {},
          annotations: write.metadata.annotations ?? {},
          spec: write.spec,
          specHash: contentHash(write.spec),
          createdAt: this.clock.now(),
        }),
      signal,
    );
    return toModelBackendResource(record);
  }

  async replace(
    tenantId: string,
    name: string,
    write: ModelBackendWrite,
    options: WriteOptions = {},
  ): Promise<ModelBackend> {
    if (write.metadata.name !== name) {
      throw new AppError(
        'INVALID_REQUEST',
        `metadata.name "${write.metadata.name}" does not match the path "${name}"`,
        {
          fieldErrors: [{ pointer: '/metadata/name', detail: 'must equal the name in the path' }],
        },
      );
    }
    const { record } = await this.transactions.run(
      tenantId,
      async ({ modelBackends }) => {
        if (!(await modelBackends.get(name))) throw notFound('model backend', name);
        return reconcileModelBackend(
          { modelBackends, clock: this.clock, ids: this.ids },
          write,
          options.expectedVersion,
        );
      },
      options.signal,
    );
    return toModelBackendResource(record);
  }

  async delete(tenantId: string, name: string, options: WriteOptions = {}): Promise<void> {
    await this.transactions.run(
      tenantId,
      async ({ modelBackends }) => {
        const existing = await modelBackends.get(name);
        if (!existing) throw notFound('model backend', name);
        checkIfMatch(options.expectedVersion, existing.resourceVersion, 'model backend');
        await modelBackends.delete(existing.id, existing.resourceVersion);
      },
      options.signal,
    );
  }
}
