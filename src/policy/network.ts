import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One CIDR range; a bare address is a /32 (IPv4) or /128 (IPv6) range. */
export interface Cidr {
  readonly source: string;
  readonly range: [Address, number];
}

/**
 * Parses an address strictly: IPv4 only in four-part decimal (no `010.1`, hex or shorthand forms
 * that tools may read differently), IPv6 without a zone. IPv4-mapped IPv6 (`::ffff:10.0.0.1`)
 * becomes its IPv4 address, so it cannot slip past an IPv4 range. Returns undefined if invalid.
 */
export function parseAddress(text: string): Address | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes(':') || text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
  const address = ipaddr.IPv6.parse(text);
  return address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

/** Returns undefined if `text` is not `ADDRESS/PREFIX` (or a bare address). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = parseAddress(slash === -1 ? text : text.slice(0, slash));
  if (!address) return undefined;
  const maxBits = address.kind() === 'ipv4' ? 32 : 128;
  if (slash === -1) return { source: text, range: [address, maxBits] };
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  // An IPv4-mapped range keeps its meaning: ::ffff:10.0.0.0/104 is 10.0.0.0/8.
  const mapped = address.kind() === 'ipv4' && text.slice(0, slash).includes(':');
  const effective = mapped ? bits - 96 : bits;
  if (effective < 0 || effective > maxBits) return undefined;
  return { source: text, range: [address, effective] };
}

/** Whether `address` lies in any range; IPv4 never matches an IPv6 range or the reverse. */
export function inCidrs(address: Address, cidrs: readonly Cidr[]): boolean {
  for (const cidr of cidrs) {
    if (cidr.range[0].kind() === address.kind() && address.match(cidr.range)) return true;
  }
  return false;
}

/** A host allowlist entry: `example.com` exactly, or `*.example.com` for any subdomain of it. */
export interface HostPattern {
  readonly source: string;
  readonly host: string;
  readonly subdomains: boolean;
}

const HOST_LABELS = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;

/** Returns undefined unless `text` is a lowercase host name, an IP literal, or `*.` + host name. */
export function parseHostPattern(text: string): HostPattern | undefined {
  const subdomains = text.startsWith('*.');
  const host = subdomains ? text.slice(2) : text;
  if (host.length > 253) return undefined;
  // A numeric last label makes the URL parser read an IPv4 address: only four-part ones pass.
  const numeric = /(^|\.)\d+$/.test(host);
  if (HOST_LABELS.test(host) && !numeric) return { source: text, host, subdomains };
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (subdomains || !parseAddress(bare)) return undefined;
  // Written the way the URL parser serializes it, so `[0:0::1]` allows `http://[::1]/`.
  const normalized = hostOf(bare.includes(':') ? `[${bare}]` : bare);
  return normalized ? { source: text, host: normalized, subdomains } : undefined;
}

/**
 * The host a URL or bare host name (`api.example.com`, `api.example.com:8443`) names, as the
 * WHATWG URL parser (and so `fetch`) reads it: lowercased, punycoded, userinfo dropped, no
 * trailing dot. Returns undefined if there is none.
 */
export function hostOf(value: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/\.$/, '');
  return host.length > 0 ? host : undefined;
}

/** Whether `host` (from hostOf) is allowed by any pattern. `*.a.com` allows `b.a.com`, not `a.com`. */
export function hostAllowed(host: string, patterns: readonly HostPattern[]): boolean {
  for (const pattern of patterns) {
    if (pattern.subdomains) {
      if (host.length > pattern.host.length + 1 && host.endsWith(`.${pattern.host}`)) return true;
    } else if (host === pattern.host) return true;
  }
  return false;
}
