import { describe, expect, it } from 'vitest';
import { hostAllowed, hostOf, inCidrs, parseAddress, parseCidr, parseHostPattern } from './network.ts';

const cidrs = (...texts: string[]) =>
  texts.map((text) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`bad test CIDR ${text}`);
    return cidr;
  });

const inside = (address: string, ...ranges: string[]) => {
  const parsed = parseAddress(address);
  return parsed !== undefined && inCidrs(parsed, cidrs(...ranges));
};

describe('CIDR matching', () => {
  it('places IPv4 addresses inside or outside their ranges', () => {
    expect(inside('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(inside('11.0.0.1', '10.0.0.0/8')).toBe(false);
    expect(inside('192.168.1.255', '192.168.1.0/24')).toBe(true);
    expect(inside('192.168.2.0', '192.168.1.0/24')).toBe(false);
    expect(inside('203.0.113.7', '203.0.113.7')).toBe(true);
    expect(inside('203.0.113.8', '203.0.113.7')).toBe(false);
  });

  it('places IPv6 addresses inside or outside their ranges', () => {
    expect(inside('2001:db8::1', '2001:db8::/32')).toBe(true);
    expect(inside('2001:db9::1', '2001:db8::/32')).toBe(false);
    expect(inside('fe80::1', 'fe80::/10')).toBe(true);
  });

  it('never matches an IPv4 address against an IPv6 range or the reverse', () => {
    expect(inside('10.0.0.1', '::/0')).toBe(false);
    expect(inside('::1', '0.0.0.0/0')).toBe(false);
  });

  it('reads IPv4-mapped IPv6 addresses as IPv4, so they cannot escape an IPv4 range', () => {
    expect(inside('::ffff:10.0.0.1', '10.0.0.0/8')).toBe(true);
    expect(inside('::ffff:8.8.8.8', '10.0.0.0/8')).toBe(false);
  });

  it('rejects ambiguous address spellings rather than guessing', () => {
    expect(parseAddress('010.0.0.1')).toBeUndefined();
    expect(parseAddress('0x0a.0.0.1')).toBeUndefined();
    expect(parseAddress('10.1')).toBeUndefined();
    expect(parseAddress('167772161')).toBeUndefined();
    expect(parseAddress('fe80::1%eth0')).toBeUndefined();
    expect(parseAddress('example.com')).toBeUndefined();
  });

  it.each(['10.0.0.0/33', '10.0.0/8', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/x', 'not-an-ip/8', ''])(
    'rejects the CIDR %j',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );
});

describe('host allowlists', () => {
  const patterns = ['example.com', '*.virustotal.com', '[2001:db8::1]'].map((text) => {
    const pattern = parseHostPattern(text);
    if (!pattern) throw new Error(`bad test host ${text}`);
    return pattern;
  });
  const allowed = (value: string) => {
    const host = hostOf(value);
    return host !== undefined && hostAllowed(host, patterns);
  };

  it('allows exact hosts from URLs and bare host names, with ports, case and trailing dots', () => {
    expect(allowed('https://example.com/path?q=1')).toBe(true);
    expect(allowed('https://EXAMPLE.com.:8443/')).toBe(true);
    expect(allowed('example.com')).toBe(true);
    expect(allowed('example.com:8080')).toBe(true);
    expect(allowed('http://[2001:db8::1]:80/')).toBe(true);
  });

  it('allows any subdomain for *.domain but not the domain itself', () => {
    expect(allowed('https://www.virustotal.com/api')).toBe(true);
    expect(allowed('https://a.b.virustotal.com/')).toBe(true);
    expect(allowed('https://virustotal.com/')).toBe(false);
  });

  it('refuses look-alike hosts', () => {
    expect(allowed('https://evil-example.com/')).toBe(false);
    expect(allowed('https://example.com.evil.io/')).toBe(false);
    expect(allowed('https://notexample.com/')).toBe(false);
    expect(allowed('https://evilvirustotal.com/')).toBe(false);
    expect(allowed('https://virustotal.com.evil.io/')).toBe(false);
    expect(allowed('https://sub.example.com/')).toBe(false);
  });

  it('reads the host as fetch would: userinfo is not the host', () => {
    expect(allowed('https://example.com@evil.io/')).toBe(false);
    expect(allowed('https://evil.io#@example.com')).toBe(false);
    expect(allowed('https://evil.io\\@example.com')).toBe(false);
  });

  it('finds no host in values without one', () => {
    expect(hostOf('file:///etc/passwd')).toBeUndefined();
    expect(hostOf('http://')).toBeUndefined();
  });

  it.each([
    '*example.com',
    'ex*ple.com',
    'Example.com',
    '*.',
    'a..b',
    '-a.com',
    'http://example.com',
    '*.10.0.0.1',
  ])('rejects the host pattern %j', (text) => {
    expect(parseHostPattern(text)).toBeUndefined();
  });
});
