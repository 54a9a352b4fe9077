import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { compilePiiConfig } from './compile-pii-config.ts';
import { PiiMasker } from './pii-masker.ts';
import { PseudonymVault } from './pseudonym-vault.ts';

const masker = new PiiMasker({}, { hashKey: 'test-key' });
const found = (text: string) => masker.detect(text).map((e) => [e.type, text.slice(e.start, e.end)]);

describe('built-in PII detectors', () => {
  it.each([
    ['EMAIL', 'write to alice.smith+tag@mail.example.co.uk today', 'alice.smith+tag@mail.example.co.uk'],
    ['PHONE', '电话 13800138000 联系', '13800138000'],
    ['PHONE', 'call +86 138-0013-8000 now', '+86 138-0013-8000'],
    ['PHONE', 'London office +44 20 7946 0958.', '+44 20 7946 0958'],
    ['IPV4', 'host 192.168.1.10.', '192.168.1.10'],
    ['IPV6', 'bind fe80::1ff:fe23:4567:890a please', 'fe80::1ff:fe23:4567:890a'],
    ['CN_ID', '身份证 11010519491231002X', '11010519491231002X'],
    ['BANK_CARD', 'card 4111 1111 1111 1111 exp 12/29', '4111 1111 1111 1111'],
    ['BANK_CARD', 'card 5555555555554444', '5555555555554444'],
    ['IBAN', 'IBAN GB82 WEST 1234 5698 7654 32', 'GB82 WEST 1234 5698 7654 32'],
    ['AWS_ACCESS_KEY', 'key AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    [
      'AWS_SECRET_KEY',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ],
    [
      'JWT',
      'token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ],
    [
      'API_TOKEN',
      'OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz123456',
      'sk-proj-abcdefghijklmnopqrstuvwxyz123456',
    ],
    ['API_TOKEN', 'Authorization: Bearer abcdefghijklmnop1234', 'abcdefghijklmnop1234'],
  ])('finds %s in %j', (type, text, value) => {
    expect(found(text)).toEqual([[type, value]]);
  });

  it('finds a PEM private key from BEGIN to END', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabcd==\n-----END RSA PRIVATE KEY-----';
    expect(found(`key:\n${pem}\nbye`)).toEqual([['PRIVATE_KEY', pem]]);
  });

  it.each([
    ['a CN ID with a wrong check digit', 'ID 110105194912310021'],
    ['a Luhn-invalid card number', 'card 4111 1111 1111 1112'],
    ['an order number of card length that fails Luhn', 'order 4111111111111112'],
    ['an IBAN with a wrong check', 'IBAN GB83 WEST 1234 5698 7654 32'],
    ['a version string of five parts', 'upgraded to 1.2.3.4.5 yesterday'],
    ['a prefixed version', 'release v10.0.0.1 is out'],
    ['an IPv4 with an octet over 255', 'addr 256.1.1.1'],
    ['a time of day', 'at 12:30:45 sharp'],
    ['a C++ scope', 'call std::vector or Base::add'],
    ['a git commit SHA', 'commit 3f2a9c1b5e7d9f0a1b2c3d4e5f6a7b8c9d0e1f2a'],
    ['a 10-digit number', 'invoice 1380013800'],
    ['an unsigned base64url header alone', 'header eyJhbGciOiJIUzI1NiJ9 only'],
    ['a short sk- word', 'the sk-learn package'],
  ])('rejects %s', (_, text) => {
    expect(found(text)).toEqual([]);
  });

  it('reports offsets in UTF-16 units after emoji and Chinese text', () => {
    const text = '😀👍 你好，邮箱 bob@example.com';
    const [entity] = masker.detect(text);
    expect(entity).toMatchObject({ type: 'EMAIL', start: 11, end: 26 });
    expect(text.slice(entity?.start, entity?.end)).toBe('bob@example.com');
  });

  it('resolves overlaps for the longest span, then the most specific type', () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    // The Bearer token detector and the JWT detector claim the same span: JWT is more specific.
    expect(found(`Authorization: Bearer ${jwt}`)).toEqual([['JWT', jwt]]);
    // A custom rule over the 11 digits beats the built-in PHONE on the same span.
    const custom = new PiiMasker({ rules: [{ name: 'phone_number', regex: '\\b\\d{11}\\b' }] });
    expect(custom.detect('tel 13800138000').map((e) => e.type)).toEqual(['phone_number']);
  });

  it('runs only the configured detectors', () => {
    const onlyEmail = new PiiMasker({ detectors: ['EMAIL'] });
    expect(onlyEmail.detect('a@b.io 13800138000').map((e) => e.type)).toEqual(['EMAIL']);
  });

  it('detects nothing when disabled', () => {
    const off = new PiiMasker({ enabled: false });
    expect(off.maskText('a@b.io').text).toBe('a@b.io');
    expect(off.maskValue({ a: 'a@b.io' })).toEqual({ a: 'a@b.io' });
  });
});

describe('actions', () => {
  it('masks letters and digits but keeps length and separators', () => {
    const { text, entities } = masker.maskText('mail alice@example.com, ip 10.0.0.1');
    expect(text).toBe('mail *****@*******.***, ip **.*.*.*');
    expect(entities.map((e) => e.action)).toEqual(['mask', 'mask']);
  });

  it('redacts with the type', () => {
    const redactor = new PiiMasker({ default_action: 'redact' });
    expect(redactor.maskText('key AKIAIOSFODNN7EXAMPLE').text).toBe('key [REDACTED:AWS_ACCESS_KEY]');
  });

  it('hashes stably with the key, differently with another key', () => {
    const config = { actions: { EMAIL: 'hash' as const } };
    const one = new PiiMasker(config, { hashKey: 'k1' });
    const a = one.maskText('x alice@example.com').text;
    expect(a).toMatch(/^x \[EMAIL:[0-9a-f]{12}\]$/);
    expect(one.maskText('y alice@example.com').text.slice(2)).toBe(a.slice(2));
    expect(one.maskText('x bob@example.com').text).not.toBe(a);
    expect(new PiiMasker(config, { hashKey: 'k2' }).maskText('x alice@example.com').text).not.toBe(a);
  });

  it('refuses a hash action without a key', () => {
    expect(() => new PiiMasker({ default_action: 'hash' })).toThrow(/hashKey/);
  });

  it('pseudonymizes with one placeholder per value and restores the originals', () => {
    const text = 'alice@example.com wrote to bob@example.com, cc alice@example.com from 10.0.0.1';
    const { text: masked, vault } = masker.pseudonymize(text);
    expect(masked).toBe('<EMAIL_1> wrote to <EMAIL_2>, cc <EMAIL_1> from <IPV4_1>');
    const answer = 'I will reply to <EMAIL_2> and <EMAIL_1>, not <EMAIL_9>.';
    expect(masker.restore(answer, vault)).toBe(
      'I will reply to bob@example.com and alice@example.com, not <EMAIL_9>.',
    );
    const next = masker.pseudonymize('again bob@example.com and carol@example.com', vault);
    expect(next.text).toBe('again <EMAIL_2> and <EMAIL_3>');
  });

  it('uses the pseudonymize action through maskText with a shared vault', () => {
    const pseudo = new PiiMasker({ default_action: 'pseudonymize' });
    const vault = new PseudonymVault();
    expect(pseudo.maskText('a@b.io', { vault }).text).toBe('<EMAIL_1>');
    expect(pseudo.restore('<EMAIL_1>', vault)).toBe('a@b.io');
  });
});

describe('deep masking of JSON values', () => {
  it('masks every string at any depth and keeps everything else', () => {
    const redactor = new PiiMasker({ default_action: 'redact' });
    const record = {
      user: { email: 'a@b.io', age: 42, tags: ['ok', 'ip 10.1.2.3', { nested: ['13800138000'] }] },
      ok: true,
      none: null,
    };
    expect(redactor.maskValue(record)).toEqual({
      user: {
        email: '[REDACTED:EMAIL]',
        age: 42,
        tags: ['ok', 'ip [REDACTED:IPV4]', { nested: ['[REDACTED:PHONE]'] }],
      },
      ok: true,
      none: null,
    });
    expect(record.user.email).toBe('a@b.io');
  });

  it('survives a cycle', () => {
    const looped: Record<string, unknown> = { email: 'a@b.io' };
    looped.self = looped;
    expect(masker.maskValue(looped)).toEqual({ email: '*@*.**', self: '[Circular]' });
  });
});

describe('custom rules and config validation', () => {
  it('applies custom rules with their own action and name as type', () => {
    const custom = new PiiMasker({
      detectors: [],
      rules: [
        { name: 'employee_id', regex: 'EMP-\\d{6}', action: 'redact' },
        { name: 'ticket', regex: '(?i)tk-[a-z]{3}' },
      ],
    });
    expect(custom.maskText('😀 EMP-123456 and TK-abc').text).toBe('😀 [REDACTED:employee_id] and **-***');
  });

  it.each([
    ['(abc', /does not compile/],
    ['(a+)+$', /dangerous/],
    ['(\\w+\\s?)*$', /dangerous/],
    ['(a)\\1', /does not compile/],
    ['a*', /empty string/],
  ])('rejects the regex %j with a pointer to it', (regex, message) => {
    try {
      compilePiiConfig({
        rules: [
          { name: 'ok', regex: '\\d{3}' },
          { name: 'bad', regex },
        ],
      });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error) && error.code).toBe('INVALID_REQUEST');
      const fieldError = isAppError(error) ? error.fieldErrors?.[0] : undefined;
      expect(fieldError?.pointer).toBe('/rules/1/regex');
      expect(fieldError?.detail).toMatch(message);
    }
  });

  it('rejects unknown types, duplicate rule names and unknown fields', () => {
    const pointers = (raw: unknown) => {
      try {
        compilePiiConfig(raw, '/spec/pii_masking');
        return [];
      } catch (error) {
        return isAppError(error) ? (error.fieldErrors ?? []).map((e) => e.pointer) : [];
      }
    };
    expect(pointers({ detectors: ['SSN'] })).toEqual(['/spec/pii_masking/detectors/0']);
    expect(
      pointers({
        rules: [
          { name: 'x', regex: 'a' },
          { name: 'x', regex: 'b' },
        ],
      }),
    ).toEqual(['/spec/pii_masking/rules/1/name']);
    expect(pointers({ colour: 'red' })).toEqual(['/spec/pii_masking/colour']);
  });

  it('accepts the seed policy and fills defaults', () => {
    expect(
      compilePiiConfig({
        rules: [
          { name: 'phone_number', regex: '\\b\\d{11}\\b', action: 'mask' },
          { name: 'aws_ak', regex: '(AKIA|ASIA)[0-9A-Z]{16}', action: 'redact' },
        ],
      }),
    ).toMatchObject({ enabled: true, default_action: 'mask', actions: {} });
  });

  it('stays linear on a custom rule that would backtrack catastrophically in JavaScript', () => {
    // Passes the heuristic (no nested quantifier) but is exponential on a backtracking engine.
    const custom = new PiiMasker({ detectors: [], rules: [{ name: 'x', regex: '(a|a)*b' }] });
    expect(custom.detect(`${'a'.repeat(5000)}!`)).toEqual([]);
  });
});
