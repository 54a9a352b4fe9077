import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the double received, with the raw body exactly as it arrived and what it answered. */
export interface WebhookDelivery {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The status the double answered this delivery with. */
  answered: number;
}

/**
 * Test double of a chat / IM integration receiving approval webhooks: a real HTTP server on
 * 127.0.0.1 that records every request. It answers the statuses in `script` in order (one per
 * request), then 200 to everything.
 */
export interface WebhookReceiverDouble {
  url: string;
  deliveries: WebhookDelivery[];
  close(): Promise<void>;
}

export async function startWebhookReceiverDouble(
  options: { script?: number[] } = {},
): Promise<WebhookReceiverDouble> {
  const script = [...(options.script ?? [])];
  const deliveries: WebhookDelivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answered = script.shift() ?? 200;
      deliveries.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
        answered,
      });
      response.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'busy');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/approvals`,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What a receiver does to check a delivery: `x-agenticai-signature` must be `sha256=` and the hex
 * HMAC-SHA256 of `${x-agenticai-timestamp}.${rawBody}` under the shared secret.
 */
export function verifyWebhookSignature(delivery: WebhookDelivery, secret: string): boolean {
  const timestamp = delivery.headers['x-agenticai-timestamp'];
  const signature = delivery.headers['x-agenticai-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${delivery.rawBody}`).digest('hex')}`;
  const [a, b] = [Buffer.from(expected), Buffer.from(signature)];
  return a.length === b.length && timingSafeEqual(a, b);
}
