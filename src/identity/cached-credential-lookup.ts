import { LRUCache } from 'lru-cache';
import type { Credential, CredentialLookup } from './ports.ts';

export interface CredentialCacheOptions {
  /** How long a found key is trusted without asking the store again; default 30 s. */
  ttlMs?: number;
  /** How long an unknown key hash is remembered as unknown; default 2 s. */
  negativeTtlMs?: number;
  /** Most key hashes kept; default 10,000. */
  maxEntries?: number;
}

/** `null` is a remembered miss; the LRU cannot hold null itself. */
type Entry = { credential: Credential | null };

/**
 * API key lookups kept in process, so authenticating a request costs no database round trip.
 * Changes reach it two ways: `invalidateTenant` when the store announces a change to a tenant's
 * keys or principals (revocation, disabling, deletion; every replica hears it on commit), and
 * the TTL as a bound for a missed announcement. Expiry is not cached away: the authenticator
 * compares `expiresAt` with its clock on every request. Concurrent lookups of one uncached key
 * share one query.
 */
export class CachedCredentialLookup implements CredentialLookup {
  readonly #inner: CredentialLookup;
  readonly #negativeTtlMs: number;
  readonly #entries: LRUCache<string, Entry>;
  readonly #loading = new Map<string, Promise<Credential | null>>();
  #generation = 0;

  constructor(inner: CredentialLookup, options: CredentialCacheOptions = {}) {
    this.#inner = inner;
    this.#negativeTtlMs = options.negativeTtlMs ?? 2_000;
    this.#entries = new LRUCache<string, Entry>({
      max: options.maxEntries ?? 10_000,
      ttl: options.ttlMs ?? 30_000,
    });
  }

  findApiKey(keyHash: string): Promise<Credential | null> {
    const cached = this.#entries.get(keyHash);
    if (cached) return Promise.resolve(cached.credential);
    const pending = this.#loading.get(keyHash);
    if (pending) return pending;
    const generation = this.#generation;
    const loading = this.#inner.findApiKey(keyHash).then(
      (credential) => {
        this.#loading.delete(keyHash);
        // A lookup that raced an invalidation may hold the old state: answer it, do not keep it.
        if (generation === this.#generation)
          this.#entries.set(keyHash, { credential }, credential ? {} : { ttl: this.#negativeTtlMs });
        return credential;
      },
      (error: unknown) => {
        this.#loading.delete(keyHash);
        throw error;
      },
    );
    this.#loading.set(keyHash, loading);
    return loading;
  }

  async touchApiKey(id: string, at: Date, minIntervalMs: number): Promise<void> {
    // The cached copy learns of the use at once, or every request would touch again until it expired.
    for (const entry of this.#entries.values())
      if (entry.credential?.key.id === id) entry.credential.key.lastUsedAt = at;
    await this.#inner.touchApiKey(id, at, minIntervalMs);
  }

  /** Forgets every cached key of the tenant (and every remembered miss: a new key may now exist). */
  invalidateTenant(tenantId: string): void {
    this.#generation += 1;
    for (const [hash, entry] of this.#entries.entries())
      if (entry.credential === null || entry.credential.tenant.id === tenantId) this.#entries.delete(hash);
  }
}
