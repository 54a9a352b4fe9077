import type { PiiType } from './pii-types.ts';
import {
  awsSecretValid,
  bankCardValid,
  cnIdValid,
  e164Valid,
  ibanValid,
  ipv6Valid,
  jwtValid,
} from './pii-validators.ts';

/**
 * A built-in detector: one global regex plus an optional check. Every repetition that could run
 * long is bounded and anchored by a look-behind, so each start position costs a constant amount of
 * work and detection stays linear in the text length (no quadratic scans over long base64 runs).
 * When `group` is set, only that capture group is the entity (a label such as `Bearer ` or
 * `aws_secret_access_key=` is context, not PII); the group must end where the match ends.
 */
export interface BuiltinDetector {
  type: PiiType;
  pattern: RegExp;
  group?: number;
  validate?: (value: string) => boolean;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

export const BUILTIN_DETECTORS: readonly BuiltinDetector[] = [
  {
    type: 'PRIVATE_KEY',
    // A truncated key (a log line cut after BEGIN) is still masked up to where its body ends.
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{1,20000}?-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----|(?:\s{0,4}[A-Za-z0-9+/=:,-]{1,80}){0,400})/g,
  },
  {
    type: 'JWT',
    pattern: /(?<![\w-])eyJ[A-Za-z0-9_-]{4,8000}\.[A-Za-z0-9_-]{4,16000}\.[A-Za-z0-9_-]{0,2000}(?![\w-])/g,
    validate: jwtValid,
  },
  {
    type: 'AWS_ACCESS_KEY',
    pattern:
      /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  },
  {
    type: 'AWS_SECRET_KEY',
    pattern:
      /(?:aws_?secret_?(?:access_?)?key|secret_?access_?key|SecretAccessKey)["']?\s{0,3}[:=]\s{0,3}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
  },
  {
    type: 'AWS_SECRET_KEY',
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    validate: awsSecretValid,
  },
  {
    type: 'API_TOKEN',
    pattern:
      /(?<![\w-])(?:sk-(?:proj-|ant-(?:api\d\d-)?|svcacct-)?[A-Za-z0-9_-]{20,400}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,200}|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{40,255}|xox[abpr]-[A-Za-z0-9-]{10,200}|glpat-[A-Za-z0-9_-]{20,100})(?![\w-])/g,
  },
  {
    type: 'API_TOKEN',
    pattern: /\bBearer[ \t]{1,4}([A-Za-z0-9._~+/-]{16,4000}=*)(?![\w~+/=-])/gi,
    group: 1,
  },
  {
    type: 'IBAN',
    pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g,
    validate: ibanValid,
  },
  {
    type: 'CN_ID',
    pattern:
      /(?<![A-Za-z0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![A-Za-z0-9])/g,
    validate: cnIdValid,
  },
  {
    type: 'BANK_CARD',
    pattern: /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g,
    validate: bankCardValid,
  },
  {
    type: 'EMAIL',
    pattern:
      /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){1,8}[A-Za-z]{2,24}(?![\w-])/g,
  },
  {
    type: 'IPV6',
    pattern:
      /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?:%[A-Za-z0-9]{1,15})?(?![\w:.]|\.\d)/g,
    validate: (value) => ipv6Valid(value.replace(/%.*$/, '')),
  },
  {
    type: 'IPV4',
    // Not inside a longer dotted run: 1.2.3.4.5 and v1.2.3.4 are versions, not addresses.
    pattern: new RegExp(`(?<![\\w.]|\\w\\.)(?:${OCTET}\\.){3}${OCTET}(?![\\w]|\\.\\d)`, 'g'),
  },
  {
    type: 'PHONE',
    // Mainland China mobile, optionally with +86 and 3-4-4 grouping.
    pattern: /(?<![\w+])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![\w])/g,
  },
  {
    type: 'PHONE',
    // E.164, with the spaces or dashes people write between groups.
    pattern: /(?<![\w+])\+[1-9](?:[ -]?\d){7,14}(?![\w])/g,
    validate: e164Valid,
  },
];
