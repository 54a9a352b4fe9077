import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { blockedLiteral, guardedLookup } from '../http/ssrf-guard.ts';

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

const NO_BODY = new Set([101, 204, 205, 304]);
/** The largest answer read whole (an event stream is not read whole, whatever its length). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** The server answered, with more than the limit: the answer is dropped, the server is there. */
export class AnswerTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the tool server's answer exceeds ${limit} bytes`);
    this.name = 'AnswerTooLargeError';
  }
}

/**
 * The `fetch` an MCP server's Streamable HTTP transport is given: node:http with keep-alive
 * (several times cheaper per request than the global fetch), redirects not followed, and the
 * tools' SSRF guard at connect time unless the server is internal (private, loopback and
 * link-local addresses refused, whatever a name resolves to). The caller's signal aborts the
 * request and its body; nothing stays attached to it once the body has ended.
 */
export function guardedFetch(internal: boolean, maxBodyBytes = MAX_BODY_BYTES): Fetch {
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
        const init = {
          status: response.statusCode ?? 502,
          statusText: response.statusMessage ?? '',
          headers,
        };
        if (NO_BODY.has(init.status)) {
          response.resume();
          resolve(new Response(null, init));
        } else if (/^text\/event-stream/i.test(response.headers['content-type'] ?? ''))
          resolve(new Response(Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>, init));
        else
          readWhole(response, maxBodyBytes, () => request.destroy()).then(
            (body) => resolve(new Response(body, init)),
            reject,
          );
      });
      request.end(typeof init.body === 'string' ? init.body : undefined);
    });
}

/**
 * A JSON answer (and any other that is not an event stream) read whole before it is handed on:
 * cheaper than a web stream for the small answers of MCP, and the keep-alive socket is free as
 * soon as it has arrived, even when the client cancels a body it does not read (the empty 202 to a
 * notification). A longer answer than the limit is refused and its connection closed.
 */
function readWhole(response: IncomingMessage, maxBytes: number, abort: () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      response.off('data', onData);
      const error = new AnswerTooLargeError(maxBytes);
      reject(error);
      abort();
    };
    response.on('data', onData);
    response.once('end', () => resolve(Buffer.concat(chunks, size)));
    response.on('error', reject);
    response.once('close', () => reject(new Error('the connection closed before the answer ended')));
  });
}
