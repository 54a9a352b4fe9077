import {
  type Page,
  parseJson,
  type Secret,
  SecretDataSchema,
  type SecretKeyRotation,
  type SecretRef,
  type SecretWrite,
} from '../contracts/index.ts';
import {
  AppError,
  decodeCursor,
  encodeCursor,
  type IdGenerator,
  NameCursorSchema,
  notFound,
} from '../core/index.ts';
import type { SecretKeyring } from './keyring.ts';
import type { SealedSecret, SecretStore } from './ports.ts';

/** How long an opened secret is kept in memory unless a change announces itself sooner. */
const OPENED_TTL_MS = 30_000;

/** The additional data a secret's ciphertext is bound to: its tenant and name. */
const bindingOf = (tenantId: string, name: string) => `${tenantId}\n${name}`;

function toSecret(secret: SealedSecret): Secret {
  return {
    name: secret.name,
    keys: [...secret.keys],
    labels: secret.labels,
    version: secret.version,
    createdAt: secret.createdAt.toISOString(),
    updatedAt: secret.updatedAt.toISOString(),
  };
}

/**
 * Secrets: values sealed with the platform keyring before they are stored, never returned by the
 * API, opened only to inject into the call that needs one. Opened values are kept in memory for a
 * short while (a tool call must not cost a database read and a decryption), and dropped as soon
 * as the store announces a change to the tenant's secrets, from any replica.
 */
export class SecretService {
  #keyring: SecretKeyring;
  readonly #opened = new Map<string, { at: number; values: Promise<Record<string, string>> }>();

  constructor(
    private readonly store: SecretStore,
    keyring: SecretKeyring,
    private readonly ids: IdGenerator,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#keyring = keyring;
  }

  async list(
    tenantId: string,
    query: { limit: number; cursor?: string | undefined },
    signal?: AbortSignal,
  ): Promise<Page<Secret>> {
    const after = decodeCursor(query.cursor, NameCursorSchema)?.name;
    const rows = await this.store.list(tenantId, { limit: query.limit + 1, after }, signal);
    const items = rows.slice(0, query.limit).map(toSecret);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > query.limit && last ? encodeCursor({ name: last.name }) : null,
    };
  }

  async get(tenantId: string, name: string, signal?: AbortSignal): Promise<Secret> {
    const secret = await this.store.get(tenantId, name, signal);
    if (!secret) throw notFound('secret', name);
    return toSecret(secret);
  }

  async put(tenantId: string, name: string, write: SecretWrite, signal?: AbortSignal): Promise<Secret> {
    const keys = Object.keys(write.data).sort();
    const { sealed, keyId } = this.#keyring.seal(JSON.stringify(write.data), bindingOf(tenantId, name));
    const { secret } = await this.store.put(
      tenantId,
      { id: this.ids.next(), name, labels: write.labels ?? {}, keys, sealed, keyId },
      signal,
    );
    this.invalidate(tenantId);
    return toSecret(secret);
  }

  async delete(tenantId: string, name: string, signal?: AbortSignal): Promise<void> {
    if (!(await this.store.delete(tenantId, name, signal))) throw notFound('secret', name);
    this.invalidate(tenantId);
  }

  /**
   * The value a reference names. Throws NOT_FOUND for a missing secret or key (naming them, never
   * a value), INVALID_REQUEST when the key is left out of a secret that has several.
   */
  async resolve(tenantId: string, ref: SecretRef, signal?: AbortSignal): Promise<string> {
    const values = await this.#open(tenantId, ref.name, signal);
    const keys = Object.keys(values);
    const key = ref.key ?? (keys.length === 1 ? keys[0] : undefined);
    if (key === undefined)
      throw new AppError(
        'INVALID_REQUEST',
        `secret "${ref.name}" has ${keys.length} keys (${keys.sort().join(', ')}): name one as secretRef.key`,
      );
    const value = values[key];
    if (value === undefined) throw new AppError('NOT_FOUND', `secret "${ref.name}" has no key "${key}"`);
    return value;
  }

  /** Drops what this process opened of the tenant's secrets (the store announced a change). */
  invalidate(tenantId: string): void {
    for (const cacheKey of this.#opened.keys())
      if (cacheKey.startsWith(`${tenantId}\n`)) this.#opened.delete(cacheKey);
  }

  /**
   * See the rotateSecretKey route. Platform-wide; the caller checks the permission. All or
   * nothing: a secret that cannot be opened stops the rotation (named in the error) and leaves
   * every secret and the key as they were.
   */
  async rotate(): Promise<SecretKeyRotation> {
    const old = this.#keyring;
    const generated = old.generatesKeys;
    const next = generated ? old.prepareRotation() : old;
    let reencrypted: number;
    try {
      reencrypted = await this.store.resealAll(next.currentKeyId, (row) => {
        const binding = bindingOf(row.tenantId, row.name);
        let value: string;
        try {
          value = old.open(row.sealed, row.keyId, binding);
        } catch (error) {
          throw new AppError(
            'SECRET_UNREADABLE',
            `secret "${row.name}" of tenant ${row.tenantId} cannot be opened (${(error as Error).message}); ` +
              'delete or set it again, then rotate',
          );
        }
        return next.seal(value, binding).sealed;
      });
    } catch (error) {
      if (generated) next.abandon();
      throw error;
    }
    if (generated) next.promote();
    this.#keyring = next;
    this.#opened.clear();
    return { keyId: next.currentKeyId, generated, reencrypted };
  }

  #open(tenantId: string, name: string, signal?: AbortSignal): Promise<Record<string, string>> {
    const cacheKey = `${tenantId}\n${name}`;
    const cached = this.#opened.get(cacheKey);
    if (cached && this.now() - cached.at < OPENED_TTL_MS) return cached.values;
    const values = this.store.get(tenantId, name, signal).then((secret) => {
      if (!secret) throw new AppError('NOT_FOUND', `secret "${name}" not found`);
      const text = this.#keyring.open(secret.sealed, secret.keyId, bindingOf(tenantId, name));
      const json = parseJson(text);
      const data = json.ok ? SecretDataSchema.safeParse(json.value) : null;
      if (!data?.success)
        throw new AppError('SECRET_UNREADABLE', `secret "${name}" does not hold a key → value map`);
      return data.data;
    });
    this.#opened.set(cacheKey, { at: this.now(), values });
    values.catch(() => this.#opened.delete(cacheKey));
    return values;
  }
}
