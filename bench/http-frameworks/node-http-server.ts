import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { echoBodySchema } from './echo-schema.ts';

const MAX_BODY_BYTES = 1024 * 1024;
const HEALTHZ_BODY = JSON.stringify({ status: 'ok' });

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

async function handleEcho(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse((await readBody(req)).toString('utf8'));
  } catch {
    sendJson(res, 400, JSON.stringify({ error: 'invalid JSON body' }));
    return;
  }
  const parsed = echoBodySchema.safeParse(json);
  if (!parsed.success) {
    sendJson(res, 400, JSON.stringify({ error: 'validation failed', issues: parsed.error.issues }));
    return;
  }
  sendJson(res, 201, JSON.stringify(parsed.data));
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    sendJson(res, 200, HEALTHZ_BODY);
    return;
  }
  if (req.method === 'POST' && req.url === '/api/v1/echo') {
    void handleEcho(req, res);
    return;
  }
  sendJson(res, 404, JSON.stringify({ error: 'not found' }));
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
