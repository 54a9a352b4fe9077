import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../contracts/index.ts';
import { finishedWith, textCompletion, toolCallCompletion } from './completions.test-support.ts';
import { REPLAY_PIECE_CHARS, replayAsStream, splitText } from './stream-replay.ts';

async function sseEvents(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const text = await new Response(stream).text();
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
}

async function replayedChunks(completion: Record<string, unknown>, includeUsage: boolean) {
  const events = await sseEvents(replayAsStream(completion, { includeUsage, model: 'support-bot' }));
  expect(events.at(-1)).toBe('[DONE]');
  return events.slice(0, -1).map((data) => {
    const parsed = parseJson(data);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.value as { [key: string]: unknown; choices: Record<string, unknown>[] };
  });
}

describe('replayAsStream', () => {
  it('sends a role chunk, the text in pieces, a finish chunk and [DONE], all with one id, created and model', async () => {
    const completion = textCompletion();
    const chunks = await replayedChunks(completion, false);
    const content = (completion.choices as { message: { content: string } }[])[0]?.message.content ?? '';

    for (const chunk of chunks)
      expect(chunk).toMatchObject({
        id: 'chatcmpl-text-1',
        object: 'chat.completion.chunk',
        created: 1_760_000_000,
        model: 'support-bot',
        system_fingerprint: 'fp_1234',
      });
    expect(chunks[0]?.choices).toEqual([
      {
        index: 0,
        delta: { role: 'assistant', content: '', refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: null,
      },
    ]);
    const pieces = chunks
      .slice(1, -1)
      .map((chunk) => ((chunk.choices[0]?.delta ?? {}) as { content?: string }).content);
    expect(pieces.length).toBe(Math.ceil(content.length / REPLAY_PIECE_CHARS));
    expect(pieces.join('')).toBe(content);
    expect(chunks.at(-1)?.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
  });

  it('with includeUsage, ends with a usage chunk without choices and sends usage: null before it', async () => {
    const chunks = await replayedChunks(textCompletion(), true);

    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toEqual(textCompletion().usage);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
  });

  it('sends each tool call as an index/id/type/name delta followed by its arguments in pieces', async () => {
    const chunks = await replayedChunks(toolCallCompletion(), false);
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta as Record<string, unknown>);

    expect(deltas[0]).toEqual({ role: 'assistant', content: null, refusal: null });
    expect(deltas[1]).toEqual({
      tool_calls: [
        {
          index: 0,
          id: 'call_a',
          type: 'function',
          function: { name: 'lookup_order', arguments: expect.any(String) },
        },
      ],
    });
    expect(deltas[2]).toEqual({ tool_calls: [{ index: 0, function: { arguments: expect.any(String) } }] });
    expect(deltas.at(-2)).toEqual({
      tool_calls: [
        { index: 1, id: 'call_b', type: 'function', function: { name: 'current_time', arguments: '{}' } },
      ],
    });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('refuses a completion it cannot replay faithfully', () => {
    expect(() => replayAsStream(finishedWith('content_filter'), { includeUsage: false, model: 'm' })).toThrow(
      'cannot be replayed',
    );
  });
});

describe('splitText', () => {
  it('cuts into pieces of the given size, never inside a surrogate pair', () => {
    expect(splitText('', 4)).toEqual([]);
    expect(splitText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(splitText('abc🚚def', 4)).toEqual(['abc', '🚚de', 'f']);
  });
});

describe('replayAsStream read by the official openai client over HTTP', () => {
  let server: Server;
  let client: OpenAI;
  let replayed: Record<string, unknown>;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const stream = replayAsStream(replayed, { includeUsage: true, model: 'support-bot' });
      void (async () => {
        for await (const bytes of stream) response.write(bytes);
        response.end();
      })();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    client = new OpenAI({ apiKey: 'test', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['text', textCompletion],
    ['tool calls', toolCallCompletion],
  ])('rebuilds the stored %s completion', async (_name, make) => {
    replayed = make();
    const stream = client.chat.completions.stream({
      model: 'support-bot',
      messages: [{ role: 'user', content: 'Where is order 42?' }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const [stored] = replayed.choices as { message: Record<string, unknown>; finish_reason: string }[];

    expect(final).toMatchObject({ id: replayed.id, created: replayed.created, model: 'support-bot' });
    expect(final.usage).toEqual(replayed.usage);
    expect(final.choices[0]?.finish_reason).toBe(stored?.finish_reason);
    expect(final.choices[0]?.message.content ?? null).toBe(stored?.message.content);
    expect(final.choices[0]?.message.tool_calls).toEqual(stored?.message.tool_calls);
  });
});
