/**
 * TEST DOUBLE of an OpenAI-compatible server for the semantic cache: `/v1/embeddings` answers a
 * bag-of-words vector (each lowercase word hashed into one of 256 dimensions), so prompts with the
 * same words in another order or case embed alike and different questions do not;
 * `/v1/chat/completions` answers `answer #N to: <last user message>`, N counting calls, so a test
 * can tell a fresh answer from a cached one. Real HTTP on 127.0.0.1, random port.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const DIMENSIONS = 256;

export function bagOfWords(text: string): number[] {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const slot = createHash('sha256').update(word).digest().readUInt32BE(0) % DIMENSIONS;
    vector[slot] = (vector[slot] ?? 0) + 1;
  }
  return vector;
}

export interface SemanticModelDouble {
  url: string;
  /** Chat completions answered so far. */
  readonly chats: number;
  close(): Promise<void>;
}

export async function startSemanticModelDouble(): Promise<SemanticModelDouble> {
  let chats = 0;
  const server = http.createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString() || '{}') as {
        input?: string | string[];
        messages?: { role: string; content: string }[];
      };
      let answer: object;
      if (request.url?.endsWith('/embeddings')) {
        const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
        answer = {
          object: 'list',
          model: 'bow',
          data: inputs.map((input, index) => ({ object: 'embedding', index, embedding: bagOfWords(input) })),
          usage: { prompt_tokens: 4, total_tokens: 4 },
        };
      } else {
        chats += 1;
        const question = body.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? '';
        answer = {
          id: `chatcmpl-${chats}`,
          object: 'chat.completion',
          created: 1_700_000_000,
          model: 'm',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: `answer #${chats} to: ${question}` },
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 8, completion_tokens: 8 },
        };
      }
      const text = JSON.stringify(answer);
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get chats() {
      return chats;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
