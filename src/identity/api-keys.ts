import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../core/index.ts';

export const API_KEY_PREFIX = 'ak_';
const DISPLAY_PREFIX_LENGTH = 11;

/** A new key: `ak_` and 32 random bytes in base64url (256 bits). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Keys are stored as SHA-256: they are 256-bit random strings, so a fast hash is enough and a
 * lookup by hash needs no per-key salt. Never store or log the key itself.
 */
export const hashApiKey = (key: string): string => sha256Hex(key);

/** What lists show to recognise a key: `ak_` and the next 8 characters. */
export const displayPrefix = (key: string): string => key.slice(0, DISPLAY_PREFIX_LENGTH);
