import type { CatalogSource, TenantCatalog } from '../gateway/index.ts';
import type { Database } from '../store/index.ts';

/** Reads one tenant's backends and aliases from the store. */
export type CatalogLoader = (tenantId: string, signal: AbortSignal) => Promise<TenantCatalog>;

/** A miss may reload the catalog at most this often: an unknown model is cheap to ask about. */
const MISS_RELOAD_INTERVAL_MS = 1_000;

/**
 * Each tenant's model catalog, loaded once and kept until the database announces a change to the
 * tenant's backends or aliases (NOTIFY on commit, to every replica). A load that raced a change is
 * answered but not kept. `refresh` serves a caller that named a model the catalog lacks: the
 * announcement of a backend applied a moment ago may still be on its way.
 */
export class CachedModelCatalog implements CatalogSource {
  readonly #loaded = new Map<string, { catalog: Promise<TenantCatalog>; at: number }>();
  readonly #generation = new Map<string, number>();

  constructor(
    private readonly load: CatalogLoader,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async listen(database: Database, channel: string): Promise<void> {
    await database.listen(channel, (tenantId) => this.invalidate(tenantId));
  }

  invalidate(tenantId: string): void {
    this.#generation.set(tenantId, (this.#generation.get(tenantId) ?? 0) + 1);
    this.#loaded.delete(tenantId);
  }

  catalog(tenantId: string, signal: AbortSignal): Promise<TenantCatalog> {
    const cached = this.#loaded.get(tenantId);
    if (cached) return cached.catalog;
    const generation = this.#generation.get(tenantId) ?? 0;
    // Loaded for every waiter alike: one caller's abort must not fail the others' shared load.
    const catalog = this.load(tenantId, AbortSignal.timeout(30_000));
    this.#loaded.set(tenantId, { catalog, at: this.now() });
    catalog.then(
      () => {
        if ((this.#generation.get(tenantId) ?? 0) !== generation) this.#loaded.delete(tenantId);
      },
      () => this.#loaded.delete(tenantId),
    );
    return abortable(catalog, signal);
  }

  async refresh(tenantId: string, signal: AbortSignal): Promise<TenantCatalog | null> {
    const cached = this.#loaded.get(tenantId);
    if (cached && this.now() - cached.at < MISS_RELOAD_INTERVAL_MS) return null;
    this.invalidate(tenantId);
    return this.catalog(tenantId, signal);
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
