import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why an address may not be called from a tool, or null for a public unicast address. */
export function blockedReason(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return 'not an IP address';
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? null : `a ${range} address`;
}

/** The guard's refusal: the call is not made. */
export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKED';
  constructor(host: string, address: string, reason: string) {
    super(
      `refused to call ${host} (${address}, ${reason}): tools may not reach private, loopback or ` +
        'link-local addresses unless marked internal: true (SSRF guard)',
    );
    this.name = 'BlockedAddressError';
  }
}

/** A host given as an IP literal that the guard refuses; null when it is a name or public. */
export function blockedLiteral(hostname: string): BlockedAddressError | null {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (isIP(host) === 0) return null;
  const reason = blockedReason(host);
  return reason ? new BlockedAddressError(hostname, host, reason) : null;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for node:http that resolves a name and refuses it when any of its addresses is not
 * public, so a name cannot smuggle a private address past the guard (checked at connect time, on
 * every redirect hop: no rebinding between check and use).
 */
export function guardedLookup(
  hostname: string,
  options: { all?: boolean; family?: number },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, []);
      return;
    }
    for (const { address } of addresses) {
      const reason = blockedReason(address);
      if (reason) {
        callback(new BlockedAddressError(hostname, address, reason), []);
        return;
      }
    }
    if (options.all) callback(null, addresses);
    else {
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    }
  });
}
