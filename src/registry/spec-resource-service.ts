import type { ApplyAction, Labels, Page } from '../contracts/index.ts';
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
import type { RegistryStores, RegistryTransactions, SpecRecord, SpecStore } from './ports.ts';

/** What a write of a spec-only kind carries: its name, labels, annotations and spec. */
export interface SpecWrite<S> {
  metadata: { name: string; labels?: Labels | undefined; annotations?: Record<string, string> | undefined };
  spec: S;
}

/** A spec-only kind: its store within a transaction, its API shape, and what a write must pass. */
export interface SpecKindDefinition<S, R> {
  /** In errors: `model backend "x" not found`. */
  noun: string;
  store(stores: RegistryStores): SpecStore<S>;
  toResource(record: SpecRecord<S>): R;
  /** Checks a write against the tenant's other resources, in the write's transaction. */
  check?(stores: RegistryStores, write: SpecWrite<S>): Promise<void>;
  /** Runs after a create or a change (not an unchanged write), in its transaction; `previous` is null on create. */
  afterWrite?(stores: RegistryStores, record: SpecRecord<S>, previous: SpecRecord<S> | null): Promise<void>;
}

/** Rows read per query when loading every resource of a tenant. */
const ALL_PAGE = 500;

/**
 * Creates or updates a resource to match a manifest and reports what it did: `unchanged` when
 * spec, labels and annotations are what is stored. With `expectedVersion`, a stale one throws
 * STALE_RESOURCE_VERSION. Runs no `check`: callers do, in the same transaction.
 */
export async function reconcileSpec<S>(
  store: SpecStore<S>,
  deps: { clock: Clock; ids: IdGenerator },
  noun: string,
  write: SpecWrite<S>,
  expectedVersion?: number,
): Promise<{ action: ApplyAction; record: SpecRecord<S> }> {
  const labels: Labels = write.metadata.labels ?? {};
  const annotations = write.metadata.annotations ?? {};
  const specHash = contentHash(write.spec);
  const existing = await store.get(write.metadata.name);
  if (!existing) {
    const record = await store.insert({
      id: deps.ids.next(),
      name: write.metadata.name,
      labels,
      annotations,
      spec: write.spec,
      specHash,
      createdAt: deps.clock.now(),
    });
    return { action: 'created', record };
  }
  checkIfMatch(expectedVersion, existing.resourceVersion, noun);
  if (
    existing.specHash === specHash &&
    canonicalJson(existing.labels) === canonicalJson(labels) &&
    canonicalJson(existing.annotations) === canonicalJson(annotations)
  )
    return { action: 'unchanged', record: existing };
  const record = await store.update(
    existing.id,
    { labels, annotations, spec: write.spec, specHash },
    existing.resourceVersion,
  );
  return { action: 'configured', record };
}

/** CRUD of a spec-only kind (model backends, model aliases), each call one tenant transaction. */
export class SpecResourceService<S, R extends { metadata: { name: string } }> {
  constructor(
    private readonly transactions: RegistryTransactions,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly kind: SpecKindDefinition<S, R>,
  ) {}

  async list(tenantId: string, query: ListQuery, signal?: AbortSignal): Promise<Page<R>> {
    const after = decodeCursor(query.cursor, NameCursorSchema)?.name;
    const records = await this.transactions.run(
      tenantId,
      (stores) => this.kind.store(stores).list({ limit: query.limit + 1, after }, query.labels),
      signal,
    );
    const items = records.slice(0, query.limit).map((record) => this.kind.toResource(record));
    const last = items.at(-1);
    return {
      items,
      nextCursor: records.length > query.limit && last ? encodeCursor({ name: last.metadata.name }) : null,
    };
  }

  /** Every resource of the tenant, ordered by name, read in one transaction. */
  async all(tenantId: string, signal?: AbortSignal): Promise<R[]> {
    const records = await this.transactions.run(
      tenantId,
      async (stores) => {
        const found: SpecRecord<S>[] = [];
        for (;;) {
          const page = await this.kind.store(stores).list({ limit: ALL_PAGE, after: found.at(-1)?.name });
          found.push(...page);
          if (page.length < ALL_PAGE) return found;
        }
      },
      signal,
    );
    return records.map((record) => this.kind.toResource(record));
  }

  async get(tenantId: string, name: string, signal?: AbortSignal): Promise<R> {
    const record = await this.#find(tenantId, name, signal);
    if (!record) throw notFound(this.kind.noun, name);
    return this.kind.toResource(record);
  }

  /** The resource's spec, or null if there is none by that name. */
  async find(tenantId: string, name: string, signal?: AbortSignal): Promise<S | null> {
    return (await this.#find(tenantId, name, signal))?.spec ?? null;
  }

  async exists(tenantId: string, name: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.#find(tenantId, name, signal)) !== null;
  }

  /** Throws ALREADY_EXISTS if the name is taken, or what the kind's `check` throws. */
  async create(tenantId: string, write: SpecWrite<S>, signal?: AbortSignal): Promise<R> {
    const record = await this.transactions.run(
      tenantId,
      async (stores) => {
        await this.kind.check?.(stores, write);
        const created = await this.kind.store(stores).insert({
          id: this.ids.next(),
          name: write.metadata.name,
          labels: write.metadata.labels ?? {},
          annotations: write.metadata.annotations ?? {},
          spec: write.spec,
          specHash: contentHash(write.spec),
          createdAt: this.clock.now(),
        });
        await this.kind.afterWrite?.(stores, created, null);
        return created;
      },
      signal,
    );
    return this.kind.toResource(record);
  }

  async replace(tenantId: string, name: string, write: SpecWrite<S>, options: WriteOptions = {}): Promise<R> {
    if (write.metadata.name !== name)
      throw new AppError(
        'INVALID_REQUEST',
        `metadata.name "${write.metadata.name}" does not match the path "${name}"`,
        { fieldErrors: [{ pointer: '/metadata/name', detail: 'must equal the name in the path' }] },
      );
    const { record } = await this.transactions.run(
      tenantId,
      async (stores) => {
        const store = this.kind.store(stores);
        const previous = await store.get(name);
        if (!previous) throw notFound(this.kind.noun, name);
        await this.kind.check?.(stores, write);
        const result = await reconcileSpec(
          store,
          { clock: this.clock, ids: this.ids },
          this.kind.noun,
          write,
          options.expectedVersion,
        );
        if (result.action !== 'unchanged') await this.kind.afterWrite?.(stores, result.record, previous);
        return result;
      },
      options.signal,
    );
    return this.kind.toResource(record);
  }

  async delete(tenantId: string, name: string, options: WriteOptions = {}): Promise<void> {
    await this.transactions.run(
      tenantId,
      async (stores) => {
        const store = this.kind.store(stores);
        const existing = await store.get(name);
        if (!existing) throw notFound(this.kind.noun, name);
        checkIfMatch(options.expectedVersion, existing.resourceVersion, this.kind.noun);
        await store.delete(existing.id, existing.resourceVersion);
      },
      options.signal,
    );
  }

  #find(tenantId: string, name: string, signal?: AbortSignal): Promise<SpecRecord<S> | null> {
    return this.transactions.run(tenantId, (stores) => this.kind.store(stores).get(name), signal);
  }
}
