import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  lastUserMessage,
  type ScriptedModelServer,
  startScriptedModelServer,
} from '../../../test/support/scripted-model-server.ts';
import { type ChatRequest, ModelRequestError, type ModelTarget } from '../ports.ts';
import { OpenAICompatibleModelClient } from './openai-compatible-client.ts';

let server: ScriptedModelServer;
const client = new OpenAICompatibleModelClient();

beforeAll(async () => {
  server = await startScriptedModelServer();
});
afterEach(() => {
  server.setHandler(undefined);
});
afterAll(async () => {
  client.close();
  await server.close();
});

const target = (overrides: Partial<ModelTarget> = {}): ModelTarget => ({
  backend: 'scripted',
  endpoint: server.url,
  timeoutMs: 5_000,
  ...overrides,
});

const REQUEST: ChatRequest = {
  model: 'scripted-1',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is the weather in Paris?' },
  ],
};

const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

const call = (options: { onToken?: (delta: string) => void; idempotencyKey?: string } = {}) => ({
  signal: new AbortController().signal,
  idempotencyKey: options.idempotencyKey ?? 'run-1:step-1',
  ...(options.onToken ? { onToken: options.onToken } : {}),
});

describe('OpenAICompatibleModelClient, non-streaming', () => {
  it('returns the assistant text, finish reason and usage', async () => {
    server.enqueue({ content: 'Sunny, 21 °C.', usage: { prompt_tokens: 12, completion_tokens: 5 } });
    const result = await client.chat(target(), REQUEST, call());
    expect(result).toEqual({
      message: { role: 'assistant', content: 'Sunny, 21 °C.' },
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 5 },
    });
  });

  it('sends the chat-completions body: model, messages, tools, temperature, max_tokens, no stream', async () => {
    await client.chat(
      target(),
      { ...REQUEST, tools: [WEATHER_TOOL], temperature: 0.2, maxTokens: 64 },
      call(),
    );
    const body = server.requests.at(-1)?.body;
    expect(body).toEqual({
      model: 'scripted-1',
      messages: REQUEST.messages,
      tools: [WEATHER_TOOL],
      temperature: 0.2,
      max_tokens: 64,
      stream: false,
    });
  });

  it('leaves out tools, temperature and max_tokens when the request has none', async () => {
    await client.chat(target(), REQUEST, call());
    expect(Object.keys(server.requests.at(-1)?.body ?? {}).sort()).toEqual(['messages', 'model', 'stream']);
  });

  it('sends the idempotency key on every call, and the bearer key only when the target has one', async () => {
    await client.chat(target({ apiKey: 'sk-test' }), REQUEST, call({ idempotencyKey: 'run-9:step-3' }));
    expect(server.requests.at(-1)).toMatchObject({
      idempotencyKey: 'run-9:step-3',
      authorization: 'Bearer sk-test',
    });
    await client.chat(target(), REQUEST, call({ idempotencyKey: 'run-9:step-4' }));
    expect(server.requests.at(-1)).toMatchObject({
      idempotencyKey: 'run-9:step-4',
      authorization: undefined,
    });
  });

  it('returns tool calls with their ids and JSON arguments', async () => {
    server.enqueue({
      toolCalls: [
        { id: 'call_a', name: 'get_weather', arguments: { city: 'Paris' } },
        { id: 'call_b', name: 'get_weather', arguments: { city: 'Lyon' } },
      ],
    });
    const result = await client.chat(target(), { ...REQUEST, tools: [WEATHER_TOOL] }, call());
    expect(result.finishReason).toBe('tool_calls');
    expect(result.message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' } },
      ],
    });
  });

  it('answers from a handler computed from the request', async () => {
    server.setHandler((request) => ({ content: `echo: ${lastUserMessage(request)}` }));
    const result = await client.chat(target(), REQUEST, call());
    expect(result.message.content).toBe('echo: What is the weather in Paris?');
  });

  it('appends /chat/completions to an endpoint with or without a trailing slash', async () => {
    server.enqueue({ content: 'slash' });
    const result = await client.chat(target({ endpoint: `${server.url}/` }), REQUEST, call());
    expect(result.message.content).toBe('slash');
  });

  it('turns a 200 that is not a chat completion into ModelRequestError 502, without retrying', async () => {
    const before = server.requestCount;
    server.enqueue({ status: 200, body: JSON.stringify({ choices: [] }) });
    const error = await client.chat(target(), REQUEST, call()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRequestError);
    expect(error).toMatchObject({ status: 502, backend: 'scripted' });
    expect(server.requestCount - before).toBe(1);
  });

  it('turns a body that is not JSON into ModelRequestError 502', async () => {
    server.enqueue({ status: 200, body: '<html>gateway</html>' });
    await expect(client.chat(target(), REQUEST, call())).rejects.toMatchObject({
      name: 'ModelRequestError',
      status: 502,
    });
  });
});

describe('OpenAICompatibleModelClient, streaming', () => {
  it('hands each content delta to onToken in order and returns the assembled message', async () => {
    server.enqueue({ content: 'It is sunny in Paris today.' });
    const deltas: string[] = [];
    const result = await client.chat(target(), REQUEST, call({ onToken: (delta) => deltas.push(delta) }));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('It is sunny in Paris today.');
    expect(result.message).toEqual({ role: 'assistant', content: 'It is sunny in Paris today.' });
    expect(result.finishReason).toBe('stop');
  });

  it('asks for a stream with usage in the last chunk, and maps that usage', async () => {
    server.enqueue({ content: 'a b c', usage: { prompt_tokens: 30, completion_tokens: 3 } });
    const result = await client.chat(target(), REQUEST, call({ onToken: () => {} }));
    expect(server.requests.at(-1)?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(server.requests.at(-1)?.headers.accept).toBe('text/event-stream');
    expect(result.usage).toEqual({ inputTokens: 30, outputTokens: 3 });
  });

  it('assembles streamed tool calls from their index-keyed fragments', async () => {
    server.enqueue({
      content: 'Checking.',
      toolCalls: [
        { id: 'call_x', name: 'get_weather', arguments: { city: 'Paris', units: 'metric' } },
        { id: 'call_y', name: 'get_weather', arguments: { city: 'Nice' } },
      ],
    });
    const deltas: string[] = [];
    const result = await client.chat(
      target(),
      { ...REQUEST, tools: [WEATHER_TOOL] },
      call({ onToken: (d) => deltas.push(d) }),
    );
    expect(deltas.join('')).toBe('Checking.');
    expect(result.finishReason).toBe('tool_calls');
    expect(result.message.tool_calls).toEqual([
      {
        id: 'call_x',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris","units":"metric"}' },
      },
      { id: 'call_y', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Nice"}' } },
    ]);
  });

  it('accepts a server that ignores stream: true and answers JSON, as one delta', async () => {
    const plain = await startPlainJsonServer('whole answer');
    try {
      const deltas: string[] = [];
      const result = await client.chat(
        target({ endpoint: plain.url }),
        REQUEST,
        call({ onToken: (d) => deltas.push(d) }),
      );
      expect(deltas).toEqual(['whole answer']);
      expect(result.message.content).toBe('whole answer');
    } finally {
      await plain.close();
    }
  });

  it('turns a malformed stream chunk into ModelRequestError 502', async () => {
    const broken = await startRawServer('text/event-stream', 'data: {"choices": "nope"}\n\ndata: [DONE]\n\n');
    try {
      await expect(
        client.chat(target({ endpoint: broken.url }), REQUEST, call({ onToken: () => {} })),
      ).rejects.toMatchObject({ name: 'ModelRequestError', status: 502 });
    } finally {
      await broken.close();
    }
  });

  it('reports an error chunk sent mid-stream as ModelRequestError with the upstream message', async () => {
    const failing = await startRawServer(
      'text/event-stream',
      'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\ndata: {"error":{"message":"engine overloaded"}}\n\n',
    );
    try {
      const deltas: string[] = [];
      const error = await client
        .chat(target({ endpoint: failing.url }), REQUEST, call({ onToken: (d) => deltas.push(d) }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelRequestError);
      expect((error as Error).message).toContain('engine overloaded');
      expect(deltas).toEqual(['Hel']);
    } finally {
      await failing.close();
    }
  });
});

/** A provider that always answers with this body and content type, whatever was asked. */
async function startRawServer(contentType: string, body: string) {
  const raw = http.createServer((request, response) => {
    request.resume();
    request.once('end', () => {
      response.writeHead(200, { 'content-type': contentType });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}/v1`,
    close: async () => {
      raw.closeAllConnections();
      await new Promise((resolve) => raw.close(resolve));
    },
  };
}

function startPlainJsonServer(content: string) {
  return startRawServer(
    'application/json',
    JSON.stringify({ choices: [{ message: { role: 'assistant', content }, finish_reason: 'stop' }] }),
  );
}
