import { createHmac } from 'node:crypto';
import { assertNever } from '../core/index.ts';
import type { PiiAction } from './pii-types.ts';
import type { PseudonymVault } from './pseudonym-vault.ts';

const MASKABLE = /[\p{L}\p{N}]/gu;

/** Hex characters of the HMAC kept in `[TYPE:…]`: 48 bits, enough to correlate within a tenant's logs. */
export const HASH_HEX_LENGTH = 12;

export interface RenderContext {
  hashKey: Uint8Array | undefined;
  vault: PseudonymVault;
}

/** The replacement text for one entity; see `PiiAction` for what each action produces. */
export function renderEntity(action: PiiAction, type: string, value: string, context: RenderContext): string {
  switch (action) {
    case 'mask':
      return value.replace(MASKABLE, '*');
    case 'redact':
      return `[REDACTED:${type}]`;
    case 'hash': {
      // The masker refuses a config with `hash` and no key, so this is never undefined here.
      const digest = createHmac('sha256', context.hashKey ?? new Uint8Array())
        .update(value)
        .digest('hex');
      return `[${type}:${digest.slice(0, HASH_HEX_LENGTH)}]`;
    }
    case 'pseudonymize':
      return context.vault.placeholderFor(type, value);
    default:
      return assertNever(action);
  }
}
