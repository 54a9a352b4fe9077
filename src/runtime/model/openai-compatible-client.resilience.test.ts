import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ScriptedModelServer,
  startScriptedModelServer,
} from '../../../test/support/scripted-model-server.ts';
import { type ChatRequest, ModelRequestError, type ModelTarget, ModelUnavailableError } from '../ports.ts';
import {
  OpenAICompatibleModelClient,
  type OpenAICompatibleModelClientOptions,
} from './openai-compatible-client.ts';

let server: ScriptedModelServer;
const clients: OpenAICompatibleModelClient[] = [];

beforeEach(async () => {
  server = await startScriptedModelServer();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

function clientWith(options: OpenAICompatibleModelClientOptions = {}): OpenAICompatibleModelClient {
  const client = new OpenAICompatibleModelClient(options);
  clients.push(client);
  return client;
}

/** A sleep that records what it was asked to wait and returns at once. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

const target = (overrides: Partial<ModelTarget> = {}): ModelTarget => ({
  backend: 'scripted',
  endpoint: server.url,
  timeoutMs: 5_000,
  ...overrides,
});

const REQUEST: ChatRequest = { model: 'scripted-1', messages: [{ role: 'user', content: 'hello' }] };

const options = (signal = new AbortController().signal) => ({ signal, idempotencyKey: 'run-1:step-1' });

async function closedPortUrl(): Promise<string> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}/v1`;
}

describe('connections', () => {
  it('reuses one keep-alive connection for sequential calls, streaming or not', async () => {
    const client = clientWith();
    for (let i = 0; i < 3; i++) {
      await client.chat(target(), REQUEST, options());
      await client.chat(target(), REQUEST, { ...options(), onToken: () => {} });
    }
    expect(server.requestCount).toBe(6);
    expect(server.connections).toBe(1);
  });
});

describe('retries', () => {
  it('retries 503 with jittered exponential backoff, keeping the idempotency key, until it succeeds', async () => {
    const { waits, sleep } = recordingSleep();
    const client = clientWith({ sleep, random: () => 0.5 });
    server.enqueue({ status: 503 }, { status: 503 }, { content: 'recovered' });
    const result = await client.chat(target(), REQUEST, options());
    expect(result.message.content).toBe('recovered');
    expect(waits).toEqual([50, 100]);
    expect(server.requests.map((request) => request.idempotencyKey)).toEqual([
      'run-1:step-1',
      'run-1:step-1',
      'run-1:step-1',
    ]);
  });

  it('waits as long as Retry-After says instead of its own backoff', async () => {
    const { waits, sleep } = recordingSleep();
    const client = clientWith({ sleep, random: () => 0.5 });
    server.enqueue({ status: 429, retryAfter: 2 }, { content: 'after the wait' });
    const result = await client.chat(target(), REQUEST, options());
    expect(result.message.content).toBe('after the wait');
    expect(waits).toEqual([2_000]);
  });

  it('really sleeps for a short Retry-After', async () => {
    const client = clientWith({ random: () => 0 });
    server.enqueue({ status: 503, retryAfter: 0.15 }, { content: 'ok' });
    const started = performance.now();
    await client.chat(target(), REQUEST, options());
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(server.requestCount).toBe(2);
  });

  it('gives up at once with ModelUnavailableError when Retry-After is past the timeout', async () => {
    const { waits, sleep } = recordingSleep();
    const client = clientWith({ sleep });
    server.enqueue({ status: 503, retryAfter: 60 });
    const error = await client
      .chat(target({ timeoutMs: 1_000 }), REQUEST, options())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect(waits).toEqual([]);
    expect(server.requestCount).toBe(1);
  });

  it('retries a refused connection until the timeout, then throws ModelUnavailableError', async () => {
    const waits: number[] = [];
    const client = clientWith({
      breakerThreshold: 1_000,
      sleep: (ms, signal) => {
        waits.push(ms);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          timer.unref();
        });
      },
    });
    const started = performance.now();
    const error = await client
      .chat(target({ endpoint: await closedPortUrl(), timeoutMs: 500 }), REQUEST, options())
      .catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as ModelUnavailableError).backend).toBe('scripted');
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(waits.length).toBeGreaterThanOrEqual(2);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('throws ModelRequestError with the upstream status and message on a 400, without retrying', async () => {
    const client = clientWith();
    server.enqueue({
      status: 400,
      body: JSON.stringify({
        error: { message: "'messages' must not be empty", type: 'invalid_request_error' },
      }),
    });
    const error = await client.chat(target(), REQUEST, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRequestError);
    expect(error).toMatchObject({ status: 400, backend: 'scripted' });
    expect((error as Error).message).toContain("'messages' must not be empty");
    expect(server.requestCount).toBe(1);
  });

  it('throws ModelUnavailableError when the server does not answer within the timeout, and hangs up', async () => {
    const client = clientWith();
    server.enqueue({ hang: true });
    const error = await client.chat(target({ timeoutMs: 300 }), REQUEST, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toContain('300 ms');
    await vi.waitFor(() => expect(server.disconnects).toBe(1));
  });
});

describe('abort', () => {
  it('rejects promptly with the AbortError and closes the socket of the request in flight', async () => {
    const client = clientWith();
    server.enqueue({ hang: true });
    const controller = new AbortController();
    const pending = client.chat(target(), REQUEST, options(controller.signal)).catch((e: unknown) => e);
    await vi.waitFor(() => expect(server.inFlight).toBe(1));
    const abortedAt = performance.now();
    controller.abort();
    const error = await pending;
    expect(performance.now() - abortedAt).toBeLessThan(250);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    await vi.waitFor(() => expect(server.disconnects).toBe(1));
    expect(server.requestCount).toBe(1);
  });

  it('rejects with the reason the caller gave, without sending, when already aborted', async () => {
    const client = clientWith();
    const reason = new Error('run cancelled');
    await expect(client.chat(target(), REQUEST, options(AbortSignal.abort(reason)))).rejects.toBe(reason);
    expect(server.requestCount).toBe(0);
  });

  it('stops waiting between retries when aborted', async () => {
    const client = clientWith({ random: () => 0.999 });
    server.setHandler(() => ({ status: 503, retryAfter: 10 }));
    const controller = new AbortController();
    const pending = client.chat(target({ timeoutMs: 30_000 }), REQUEST, options(controller.signal));
    await vi.waitFor(() => expect(server.requestCount).toBe(1));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('streaming failures', () => {
  it('does not retry once tokens were delivered: a broken stream is ModelUnavailableError', async () => {
    const client = clientWith({ sleep: async () => {} });
    server.enqueue({ content: 'one two three four', failAfterDeltas: 2 }, { content: 'never sent' });
    const deltas: string[] = [];
    const error = await client
      .chat(target(), REQUEST, { ...options(), onToken: (delta) => deltas.push(delta) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect(deltas).toEqual(['one ', 'two ']);
    expect(server.requestCount).toBe(1);
  });

  it('retries a stream that broke before any of the answer arrived', async () => {
    const client = clientWith({ sleep: async () => {} });
    server.enqueue({ content: 'lost', failAfterDeltas: 0 }, { content: 'second try' });
    const deltas: string[] = [];
    const result = await client.chat(target(), REQUEST, {
      ...options(),
      onToken: (delta) => deltas.push(delta),
    });
    expect(result.message.content).toBe('second try');
    expect(deltas.join('')).toBe('second try');
    expect(server.requestCount).toBe(2);
  });

  it('throws ModelUnavailableError when a started stream stalls for the timeout', async () => {
    const stalled = http.createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n');
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    try {
      const client = clientWith();
      const deltas: string[] = [];
      const endpoint = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/v1`;
      const error = await client
        .chat(target({ endpoint, timeoutMs: 300 }), REQUEST, { ...options(), onToken: (d) => deltas.push(d) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelUnavailableError);
      expect((error as Error).message).toContain('stalled');
      expect(deltas).toEqual(['Hel']);
    } finally {
      stalled.closeAllConnections();
      await new Promise((resolve) => stalled.close(resolve));
    }
  });
});

describe('circuit breaker', () => {
  function breakerClient() {
    const clock = { now: 1_000_000 };
    const client = clientWith({
      now: () => clock.now,
      sleep: async () => {},
      breakerThreshold: 3,
      breakerCooldownMs: 10_000,
    });
    return { clock, client };
  }

  it('opens after N consecutive failures and then fails fast without calling the backend', async () => {
    const { client } = breakerClient();
    server.setHandler(() => ({ status: 503 }));
    const first = await client.chat(target(), REQUEST, options()).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ModelUnavailableError);
    expect((first as Error).message).toContain('circuit open');
    expect(server.requestCount).toBe(3);

    const second = await client.chat(target(), REQUEST, options()).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ModelUnavailableError);
    expect((second as Error).message).toContain('circuit open');
    expect(server.requestCount).toBe(3);
  });

  it('half-opens after the cool-down: a successful probe closes it', async () => {
    const { clock, client } = breakerClient();
    server.setHandler(() => ({ status: 503 }));
    await client.chat(target(), REQUEST, options()).catch(() => {});
    server.setHandler(undefined);
    clock.now += 10_000;
    const result = await client.chat(target(), REQUEST, options());
    expect(result.message.content).toBe('ok');
    expect(server.requestCount).toBe(4);
    await client.chat(target(), REQUEST, options());
    expect(server.requestCount).toBe(5);
  });

  it('half-opens after the cool-down: a failed probe opens it again', async () => {
    const { clock, client } = breakerClient();
    server.setHandler(() => ({ status: 503 }));
    await client.chat(target(), REQUEST, options()).catch(() => {});
    clock.now += 10_000;
    const probe = await client.chat(target(), REQUEST, options()).catch((e: unknown) => e);
    expect((probe as Error).message).toContain('circuit open');
    expect(server.requestCount).toBe(4);
    await client.chat(target(), REQUEST, options()).catch(() => {});
    expect(server.requestCount).toBe(4);
  });

  it('keeps one breaker per backend', async () => {
    const { client } = breakerClient();
    server.setHandler(() => ({ status: 503 }));
    await client.chat(target({ backend: 'flaky' }), REQUEST, options()).catch(() => {});
    server.setHandler(undefined);
    const result = await client.chat(target({ backend: 'healthy' }), REQUEST, options());
    expect(result.message.content).toBe('ok');
  });

  it('does not count client errors (4xx) as backend failures', async () => {
    const { client } = breakerClient();
    server.setHandler(() => ({ status: 400 }));
    for (let i = 0; i < 5; i++) await client.chat(target(), REQUEST, options()).catch(() => {});
    server.setHandler(undefined);
    await expect(client.chat(target(), REQUEST, options())).resolves.toBeDefined();
  });
});

describe('maxConcurrency', () => {
  it('serialises calls to a backend limited to one at a time', async () => {
    const client = clientWith();
    // biome-ignore lint/suspicious/noThenProperty: the scripted server's delayed reply is named `then` (an object, never callable)
    server.setHandler(() => ({ delayMs: 50, then: { content: 'done' } }));
    await Promise.all([
      client.chat(target({ maxConcurrency: 1 }), REQUEST, options()),
      client.chat(target({ maxConcurrency: 1 }), REQUEST, options()),
    ]);
    expect(server.requestCount).toBe(2);
    expect(server.maxInFlight).toBe(1);
  });

  it('lets calls overlap without a limit (the control for the test above)', async () => {
    const client = clientWith();
    // biome-ignore lint/suspicious/noThenProperty: the scripted server's delayed reply is named `then` (an object, never callable)
    server.setHandler(() => ({ delayMs: 50, then: { content: 'done' } }));
    await Promise.all([client.chat(target(), REQUEST, options()), client.chat(target(), REQUEST, options())]);
    expect(server.maxInFlight).toBe(2);
  });

  it('removes an aborted call from the queue without ever sending it', async () => {
    const client = clientWith();
    server.enqueue({ hang: true });
    const first = new AbortController();
    const second = new AbortController();
    const limited = target({ maxConcurrency: 1 });
    const hanging = client.chat(limited, REQUEST, options(first.signal)).catch((e: unknown) => e);
    await vi.waitFor(() => expect(server.inFlight).toBe(1));
    const queued = client.chat(limited, REQUEST, options(second.signal));
    second.abort();
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    first.abort();
    await hanging;
    expect(server.requestCount).toBe(1);
    const after = await client.chat(limited, REQUEST, options());
    expect(after.message.content).toBe('ok');
  });
});
