import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { blockedLiteral, guardedLookup } from '../http/ssrf-guard.ts';

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * The `fetch` an MCP server's Streamable HTTP transport is given: node:http with keep-alive
 * (several times cheaper per request than the global fetch), redirects not followed, and the
 * tools' SSRF guard at connect time unless the server is internal (private, loopback and
 * link-local addresses refused, whatever a name resolves to). The caller's signal aborts the
 * request and its body; nothing stays attached to it once the body has ended.
 */
export function guardedFetch(internal: boolean): Fetch {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return (url, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      if (!internal) {
        const blocked = blockedLiteral(target.hostname);
        if (blocked) {
          reject(blocked);
          return;
        }
      }
      const signal = init.signal ?? undefined;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const secure = target.protocol === 'https:';
      const request = (secure ? https : http).request(target, {
        method: init.method ?? 'GET',
        headers: Object.fromEntries(new Headers(init.headers).entries()),
        agent: secure ? agents.https : agents.http,
        ...(internal ? {} : { lookup: guardedLookup as unknown as LookupFunction }),
      });
      const onAbort = () =>
        request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      const release = () => signal?.removeEventListener('abort', onAbort);
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) => {
        release();
        reject(error);
      });
      request.on('response', (response) => {
        response.once('close', release);
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers))
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        const status = response.statusCode ?? 502;
        const body = NO_BODY.has(status)
          ? null
          : (Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>);
        if (body === null) response.resume();
        resolve(new Response(body, { status, statusText: response.statusMessage ?? '', headers }));
      });
      request.end(typeof init.body === 'string' ? init.body : undefined);
    });
}
