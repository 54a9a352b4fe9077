import type { Labels } from '../contracts/index.ts';

/** A secret as stored: key names in the clear, values sealed together as one ciphertext. */
export interface SealedSecret {
  id: string;
  name: string;
  labels: Labels;
  keys: string[];
  sealed: string;
  keyId: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Secrets of one tenant. Every write announces the tenant on the secrets channel at commit, so
 * every replica drops what it opened.
 */
export interface SecretStore {
  /** Secrets by name order after `after`, at most `limit`. */
  list(
    tenantId: string,
    page: { limit: number; after?: string | undefined },
    signal?: AbortSignal,
  ): Promise<SealedSecret[]>;
  get(tenantId: string, name: string, signal?: AbortSignal): Promise<SealedSecret | null>;
  /** Creates or replaces; returns the stored row (version 1 when created, +1 on replace). */
  put(
    tenantId: string,
    secret: Pick<SealedSecret, 'id' | 'name' | 'labels' | 'keys' | 'sealed' | 'keyId'>,
    signal?: AbortSignal,
  ): Promise<{ secret: SealedSecret; created: boolean }>;
  /** False if there was none by that name. */
  delete(tenantId: string, name: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * Re-seals, in one transaction across every tenant, each secret not sealed with `keyId`;
   * `reseal` gets the stored row and returns the new ciphertext. Returns how many it changed.
   */
  resealAll(keyId: string, reseal: (secret: SealedSecret & { tenantId: string }) => string): Promise<number>;
}
