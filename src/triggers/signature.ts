import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** `sha256=<hex>` of HMAC-SHA256(secret, body): what a sender puts in the signature header. */
export function signBody(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Whether `presented` (`sha256=<hex>`, GitHub's form, or the bare hex) is the HMAC-SHA256 of the
 * body under `secret`. Constant time in the signature's content; false for a missing or malformed one.
 */
export function verifyHmac(secret: string, body: Uint8Array, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const hex = presented.trim().replace(/^sha256=/i, '');
  if (!HEX_SHA256.test(hex)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Whether a header carries the token: `Bearer <token>` when `bearer`, else the bare token.
 * Compares digests, so neither the content nor the length of the token leaks through timing.
 */
export function verifyToken(token: string, presented: string | undefined, bearer: boolean): boolean {
  if (presented === undefined) return false;
  const value = bearer ? /^Bearer\s+(.+)$/i.exec(presented.trim())?.[1] : presented.trim();
  if (value === undefined) return false;
  return timingSafeEqual(digest(token), digest(value));
}
