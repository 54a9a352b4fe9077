/**
 * TEST DOUBLE of a cross-encoder server (`POST /v1/rerank`, the vLLM / TEI / Jina / Cohere shape):
 * it scores 1 every document that contains `favourite` and 0 the others, so a test can tell its
 * order from any lexical one. Real HTTP on 127.0.0.1, random port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RerankDouble {
  /** Base URL ending in /v1, as a ModelBackend's endpoint. */
  url: string;
  /** Bodies received, in order. */
  readonly requests: { model: string; query: string; documents: string[] }[];
  close(): Promise<void>;
}

export async function startRerankDouble(favourite: string): Promise<RerankDouble> {
  const requests: RerankDouble['requests'] = [];
  const server = http.createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/rerank') {
        response.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(parts).toString()) as RerankDouble['requests'][number];
      requests.push(body);
      const results = body.documents
        .map((text, index) => ({ index, relevance_score: text.includes(favourite) ? 1 : 0 }))
        .sort((a, b) => b.relevance_score - a.relevance_score);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ id: 'rerank-1', model: body.model, results, usage: { total_tokens: 10 } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
