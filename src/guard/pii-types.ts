/** Built-in PII entity types, in order of specificity: on a tie in length, the earlier one wins. */
export const PII_TYPES = [
  'PRIVATE_KEY',
  'JWT',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'API_TOKEN',
  'IBAN',
  'CN_ID',
  'BANK_CARD',
  'EMAIL',
  'IPV6',
  'IPV4',
  'PHONE',
] as const;
export type PiiType = (typeof PII_TYPES)[number];

/**
 * What happens to a detected entity:
 * - `mask`: every letter and digit becomes `*`, every other character (`@ . - : / space`) stays,
 *   so the length and the shape survive (`alice@example.com` → `*****@*******.***`);
 * - `redact`: `[REDACTED:TYPE]`;
 * - `hash`: `[TYPE:<12 hex>]`, a keyed HMAC-SHA256 of the value, stable across records so that
 *   the same value can be correlated without being revealed;
 * - `pseudonymize`: a reversible placeholder `<TYPE_n>` recorded in a vault (see `PseudonymVault`).
 */
export const PII_ACTIONS = ['mask', 'redact', 'hash', 'pseudonymize'] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];

/**
 * One detected entity. `start`/`end` are JavaScript string (UTF-16 code unit) offsets into the
 * text given to `detect`, end exclusive. `type` is a `PiiType` or the name of a custom rule.
 */
export interface PiiEntity {
  type: string;
  start: number;
  end: number;
  action: PiiAction;
}
