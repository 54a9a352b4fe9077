import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { blockedLiteral, guardedLookup } from '../http/ssrf-guard.ts';

export interface HttpSendRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  /** Total time for connect, request and the whole response body. */
  timeoutMs: number;
  /** Response bytes kept; the rest is read, counted and discarded. */
  keepBytes: number;
  /** May reach private, loopback and link-local addresses (the SSRF guard is off). */
  internal?: boolean | undefined;
}

export type HttpSendOutcome =
  | {
      kind: 'response';
      status: number;
      statusText: string;
      headers: http.IncomingHttpHeaders;
      /** The first `keepBytes` bytes of the body. */
      body: Buffer;
      totalBytes: number;
    }
  | { kind: 'timeout' }
  /** `sent: false` when Node refused to send the request at all: trying again cannot help. */
  | { kind: 'failed'; message: string; sent: boolean };

/**
 * One HTTP exchange over node:http / node:https. Redirects are not followed (a 3xx comes back
 * as the response), so a redirect cannot lead past a host check made before the call.
 * Resolves with `failed` for connection errors and requests Node refuses to send (bad header
 * names, for instance); rejects only with the signal's reason when the caller aborts.
 */
export function sendHttpRequest(request: HttpSendRequest, signal: AbortSignal): Promise<HttpSendOutcome> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    // One controller for both causes, so Node tears the socket down the same way for each.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    const onCallerAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onCallerAbort, { once: true });
    const settle = (outcome: HttpSendOutcome | { kind: 'aborted' }) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onCallerAbort);
      if (outcome.kind === 'aborted') reject(signal.reason);
      else resolve(outcome);
    };
    const fail = (error: unknown) => {
      if (signal.aborted) settle({ kind: 'aborted' });
      else if (timedOut) settle({ kind: 'timeout' });
      // A refused address was never connected to: nothing was sent.
      else
        settle({
          kind: 'failed',
          message: describeError(error),
          sent: (error as { code?: string }).code !== 'EBLOCKED',
        });
    };

    if (!request.internal) {
      const blocked = blockedLiteral(request.url.hostname);
      if (blocked) {
        settle({ kind: 'failed', message: blocked.message, sent: false });
        return;
      }
    }
    let outgoing: http.ClientRequest;
    try {
      const transport = request.url.protocol === 'https:' ? https : http;
      const options = {
        method: request.method,
        headers: request.headers,
        signal: controller.signal,
        ...(request.internal ? {} : { lookup: guardedLookup as unknown as LookupFunction }),
      };
      outgoing = transport.request(request.url, options, (response) => {
        const kept: Buffer[] = [];
        let keptBytes = 0;
        let totalBytes = 0;
        response.on('data', (chunk: Buffer) => {
          totalBytes += chunk.length;
          if (keptBytes >= request.keepBytes) return;
          const part = chunk.subarray(0, request.keepBytes - keptBytes);
          kept.push(part);
          keptBytes += part.length;
        });
        response.on('error', fail);
        response.on('end', () =>
          settle({
            kind: 'response',
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? '',
            headers: response.headers,
            body: Buffer.concat(kept),
            totalBytes,
          }),
        );
      });
    } catch (error) {
      settle({ kind: 'failed', message: `request not sent: ${describeError(error)}`, sent: false });
      return;
    }
    outgoing.on('error', fail);
    outgoing.end(request.body);
  });
}

/** Node reports a refused dual-stack connect as an AggregateError with an empty message. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describeError).join('; ');
  }
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? error.name;
}
