import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';

/** Keep-alive agents, one per scheme; owned by whoever created them. */
export interface HttpAgents {
  http: http.Agent;
  https: https.Agent;
}

export function createKeepAliveAgents(): HttpAgents {
  const options = { keepAlive: true, scheduling: 'lifo' as const };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

/** The upstream sent more than we are willing to hold in memory. */
export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`response body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The connection closed before the body was complete, without an error of its own. */
export class BodyIncompleteError extends Error {
  constructor() {
    super('connection closed before the response ended');
    this.name = 'BodyIncompleteError';
  }
}

/**
 * Sends a POST and resolves with the response once its status line and headers arrive. Aborting
 * `signal` destroys the request and its socket, at any point: the promise, or a later read of the
 * body, then rejects. Network failures reject with Node's error (`code` ECONNREFUSED, ...).
 */
export function postJson(
  url: URL,
  body: string,
  headers: OutgoingHttpHeaders,
  agents: HttpAgents,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(url, {
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const onAbort = () => request.destroy(new Error('request aborted', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    request.once('close', () => signal.removeEventListener('abort', onAbort));
    // `on`, not `once`: a second error (after the response arrived) must not go unhandled.
    request.on('error', reject);
    request.once('response', resolve);
    request.end(body);
  });
}

/** Reads a whole body as UTF-8, refusing more than `maxBytes`. */
export function readBody(response: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
    response.once('close', () => {
      if (!response.complete) reject(new BodyIncompleteError());
    });
  });
}

/**
 * Feeds a body to `onText` as UTF-8 text pieces (multi-byte characters are never split) until it
 * ends or `onText` returns true ("done"); the rest of the body then drains unread, so a keep-alive
 * socket can be reused. If `onText` throws, the response is destroyed and the promise rejects
 * with that error.
 */
export function readText(response: IncomingMessage, onText: (text: string) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    response.setEncoding('utf8');
    response.on('data', (text: string) => {
      if (done) return;
      try {
        done = onText(text);
      } catch (error) {
        done = true;
        response.destroy();
        reject(error);
        return;
      }
      if (done) resolve();
    });
    response.once('end', () => resolve());
    response.on('error', reject);
    response.once('close', () => {
      if (!response.complete) reject(new BodyIncompleteError());
    });
  });
}
