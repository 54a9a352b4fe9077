import { lookup } from 'node:dns/promises';
import { BlockedAddressError, blockedLiteral, blockedReason } from '../http/ssrf-guard.ts';

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * `fetch` for an MCP server's Streamable HTTP transport that refuses private, loopback and
 * link-local hosts unless the server is marked internal (the tools' SSRF guard). The name is
 * resolved and checked before every request.
 */
export function guardedFetch(internal: boolean): Fetch {
  return async (url, init) => {
    if (!internal) {
      const target = new URL(url);
      const literal = blockedLiteral(target.hostname);
      if (literal) throw literal;
      if (!/^[\d.]+$|^\[/.test(target.hostname)) {
        for (const { address } of await lookup(target.hostname, { all: true })) {
          const reason = blockedReason(address);
          if (reason) throw new BlockedAddressError(target.hostname, address, reason);
        }
      }
    }
    return fetch(url, { ...init, redirect: 'error' });
  };
}
