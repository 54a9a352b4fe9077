import { isIPv6 } from 'node:net';

/**
 * Checks that turn a regex candidate into a detection. Each one exists to reject a look-alike the
 * pattern alone cannot tell apart (an order number shaped like a card, a version string shaped
 * like an address), so they are strict on purpose.
 */

/** Luhn (mod 10) over the digits of `value`, ignoring separators. */
export function luhnValid(value: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = value.length - 1; i >= 0; i -= 1) {
    const code = value.charCodeAt(i);
    if (code < 48 || code > 57) continue;
    let digit = code - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

const CN_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CN_ID_CHECK = '10X98765432';

/** GB 11643 (ISO 7064 MOD 11-2) check character of an 18-character resident ID. */
export function cnIdValid(id: string): boolean {
  if (id.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += (id.charCodeAt(i) - 48) * (CN_ID_WEIGHTS[i] ?? 0);
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  return CN_ID_CHECK[sum % 11] === id[17]?.toUpperCase();
}

/** ISO 13616 mod-97 check of an IBAN (spaces allowed), length 15–34. */
export function ibanValid(value: string): boolean {
  const iban = value.replaceAll(' ', '').toUpperCase();
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  // Digit-by-digit remainder: the expanded number is far beyond 2^53.
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const digits = code >= 65 ? String(code - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/**
 * A real IPv6 address that also contains a decimal digit: `dead::beef` and `Add::Face` are valid
 * addresses in theory but, in prose and code, far more often C++ scopes or hex words.
 */
export function ipv6Valid(value: string): boolean {
  return /\d/.test(value) && isIPv6(value);
}

/** A card number: 13–19 digits, a known network prefix, Luhn-valid, and groups of 4 if spaced. */
export function bankCardValid(value: string): boolean {
  const digits = value.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  if (!/^[2-6]/.test(digits)) return false;
  if (digits !== value) {
    const groups = value.split(/[ -]/);
    const separators = new Set(value.replace(/\d/g, ''));
    if (separators.size !== 1) return false;
    // 4-4-4-4(-3) for most networks, 4-6-5 / 4-6-4 for Amex and Diners.
    const lengths = groups.map((g) => g.length).join('-');
    if (!/^4-4-4-4(-[1-4])?$|^4-6-[45]$/.test(lengths)) return false;
  }
  return luhnValid(digits);
}

/** A JWT: a base64url header that decodes to a JSON object naming its `alg`. */
export function jwtValid(value: string): boolean {
  const header = value.slice(0, value.indexOf('.'));
  const decoded = Buffer.from(header, 'base64url').toString('utf8');
  return decoded.startsWith('{') && decoded.includes('"alg"');
}

/** The number of digits in an E.164 number (with any spaces or dashes) must be 8–15. */
export function e164Valid(value: string): boolean {
  const digits = value.replace(/\D/g, '').length;
  return digits >= 8 && digits <= 15;
}

/**
 * An AWS secret access key on its own (no `aws_secret_access_key` label next to it): 40
 * characters mixing upper case, lower case and digits, so hex digests (git SHAs, SHA-1) never
 * qualify.
 */
export function awsSecretValid(value: string): boolean {
  return /[A-Z]/.test(value) && /[a-z]/.test(value) && /\d/.test(value) && !/^[0-9a-f]+$/i.test(value);
}
