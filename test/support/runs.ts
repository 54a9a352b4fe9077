import { createServer } from 'node:net';
import { expect } from 'vitest';
import {
  type ApiKeyCreated,
  type Role,
  type Run,
  type RunEvent,
  RunEventSchema,
  RunSchema,
  type RunStatus,
  TERMINAL_RUN_STATUSES,
} from '../../src/contracts/index.ts';
import { type Reply, type SendOptions, sendTo, unique } from './http.ts';
import type { TestPlatform } from './platform.ts';

/**
 * Helpers for tests of the runs API: agent and backend manifests, starting runs, waiting for a
 * status with a deadline, and a Server-Sent Event reader for `GET /api/v1/runs/{id}/events`.
 */

const API_VERSION = 'agenticai.dev/v1alpha1';

export interface AgentOptions {
  tools?: unknown[];
  limits?: { maxSteps?: number; maxTokens?: number; timeout?: string };
  concurrency?: 'reject' | 'enqueue' | 'interrupt';
  fallbackMessage?: string;
  memory?: { maxHistory?: number; maxTokens?: number };
  systemPrompt?: string;
  /** Model backend and model name; workflows without llm nodes never call it. */
  backend?: string;
  model?: string;
}

function commonSpec(options: AgentOptions) {
  return {
    model: { backend: options.backend ?? 'none', name: options.model ?? 'm' },
    ...(options.systemPrompt === undefined ? {} : { systemPrompt: options.systemPrompt }),
    ...(options.tools === undefined ? {} : { tools: options.tools }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.fallbackMessage === undefined ? {} : { fallbackMessage: options.fallbackMessage }),
    ...(options.memory === undefined ? {} : { memory: options.memory }),
  };
}

/** An Agent manifest with `runtime: workflow`; tools default to echo and sleep. */
export function workflowAgent(
  name: string,
  workflow: { nodes: object[]; output?: unknown; start?: string },
  options: AgentOptions = {},
) {
  return {
    apiVersion: API_VERSION,
    kind: 'Agent',
    metadata: { name },
    spec: { ...commonSpec({ tools: ['echo', 'sleep'], ...options }), runtime: 'workflow', workflow },
  };
}

/** An Agent manifest with `runtime: react` on the named backend. */
export function reactAgent(name: string, backend: string, options: AgentOptions = {}) {
  return {
    apiVersion: API_VERSION,
    kind: 'Agent',
    metadata: { name },
    spec: {
      ...commonSpec({ systemPrompt: 'You are a test agent.', ...options, backend }),
      runtime: 'react',
    },
  };
}

/** A workflow that echoes `${input.text}`: output is that text. */
export function echoAgent(name: string, options: AgentOptions = {}) {
  return workflowAgent(
    name,
    {
      nodes: [{ id: 'say', type: 'tool', tool: 'echo', args: { text: '${input.text}' } }],
      output: '${nodes.say.output.text}',
    },
    options,
  );
}

/** A workflow that sleeps `${input.seconds}` then echoes "woke". */
export function sleeperAgent(name: string, options: AgentOptions = {}) {
  return workflowAgent(
    name,
    {
      nodes: [
        { id: 'nap', type: 'tool', tool: 'sleep', args: { seconds: '${input.seconds}' }, next: 'done' },
        { id: 'done', type: 'tool', tool: 'echo', args: { text: 'woke' } },
      ],
      output: '${nodes.done.output.text}',
    },
    options,
  );
}

/** A workflow that waits for an approval, then echoes "approved" (or "rejected" with onReject). */
export function approvalAgent(name: string, options: AgentOptions & { onReject?: boolean } = {}) {
  return workflowAgent(
    name,
    {
      nodes: [
        {
          id: 'gate',
          type: 'approval',
          message: 'May I proceed with ${input.text}?',
          next: 'go',
          ...(options.onReject ? { onReject: 'stop' } : {}),
        },
        { id: 'go', type: 'tool', tool: 'echo', args: { text: 'approved' } },
        ...(options.onReject ? [{ id: 'stop', type: 'tool', tool: 'echo', args: { text: 'rejected' } }] : []),
      ],
    },
    options,
  );
}

/** Creates an agent (published unless `publish: false`) and asserts 201. */
export async function createAgent(
  t: TestPlatform,
  manifest: object,
  options: { publish?: boolean; apiKey?: string } = {},
): Promise<void> {
  const reply = await sendTo(t, 'POST', `/api/v1/agents${options.publish === false ? '' : '?publish=true'}`, {
    body: manifest,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
}

/** Registers an OpenAI-compatible ModelBackend serving model `m`. */
export async function createBackend(
  t: TestPlatform,
  name: string,
  endpoint: string,
  options: { timeout?: string } = {},
): Promise<void> {
  const reply = await sendTo(t, 'POST', '/api/v1/model-backends', {
    body: {
      apiVersion: API_VERSION,
      kind: 'ModelBackend',
      metadata: { name },
      spec: {
        type: 'openai-compatible',
        endpoint,
        models: ['m'],
        ...(options.timeout ? { timeout: options.timeout } : {}),
      },
    },
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
}

/** `POST /api/v1/agents/{agent}/runs` with `body`, raw. */
export function postRun(
  t: TestPlatform,
  agent: string,
  body: unknown,
  options: Omit<SendOptions, 'body'> = {},
): Promise<Reply<Run>> {
  return sendTo<Run>(t, 'POST', `/api/v1/agents/${agent}/runs`, { ...options, body });
}

/** Starts a run, asserts 201, and returns it. */
export async function startRun(
  t: TestPlatform,
  agent: string,
  body: object,
  options: Omit<SendOptions, 'body'> = {},
): Promise<Run> {
  const reply = await postRun(t, agent, body, options);
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return RunSchema.parse(reply.body);
}

export async function getRun(t: TestPlatform, id: string, apiKey?: string): Promise<Run> {
  const reply = await sendTo<Run>(t, 'GET', `/api/v1/runs/${id}`, apiKey ? { apiKey } : {});
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return RunSchema.parse(reply.body);
}

/** Polls until `predicate` holds, failing with `describe()` at the deadline. */
export async function waitUntil<T>(
  probe: () => Promise<T>,
  predicate: (value: T) => boolean,
  describe: (value: T) => string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms: ${describe(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Polls the run until its status is one of `statuses` (default: any final one), and fails when
 * it reaches another final status or the deadline passes.
 */
export async function waitForStatus(
  t: TestPlatform,
  id: string,
  statuses: RunStatus | readonly RunStatus[] = TERMINAL_RUN_STATUSES,
  options: { timeoutMs?: number; apiKey?: string } = {},
): Promise<Run> {
  const wanted: readonly RunStatus[] = typeof statuses === 'string' ? [statuses] : statuses;
  const run = await waitUntil(
    () => getRun(t, id, options.apiKey),
    (run) => wanted.includes(run.status) || TERMINAL_RUN_STATUSES.includes(run.status),
    (run) => `run ${id} is ${run.status} (${run.status_reason}), not ${wanted.join('|')}`,
    options.timeoutMs,
  );
  expect(
    wanted,
    `run ${id} ended ${run.status} (${run.status_reason}): ${JSON.stringify(run.error)}`,
  ).toContain(run.status);
  return run;
}

/** Starts a run and waits for it to end; returns the final run. */
export async function runToEnd(t: TestPlatform, agent: string, body: object): Promise<Run> {
  const run = await startRun(t, agent, body);
  return waitForStatus(t, run.id);
}

/** Waits until a step with this key has started (the run is inside it). */
export async function waitForStep(t: TestPlatform, runId: string, key: string): Promise<void> {
  await waitUntil(
    () => sendTo<{ items: Array<{ key: string }> }>(t, 'GET', `/api/v1/runs/${runId}/steps`),
    (reply) => reply.status === 200 && reply.body.items.some((step) => step.key === key),
    (reply) => `run ${runId} has no step ${key}: ${JSON.stringify(reply.body)}`,
  );
}

/** One Server-Sent Event of a run stream. */
export interface RunSseEvent {
  id: number;
  event: string;
  data: RunEvent;
}

/**
 * Reads a `text/event-stream` response incrementally: `next()` resolves with each event as it
 * arrives (keep-alive comments skipped) and with null once the server ends the stream.
 */
export class SseReader {
  readonly events: RunSseEvent[] = [];
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  #done = false;

  /** A response without a body (204) reads as a stream that has ended. */
  constructor(readonly response: Response) {
    this.#reader = response.body?.getReader();
    if (!this.#reader) this.#done = true;
  }

  async next(): Promise<RunSseEvent | null> {
    for (;;) {
      const boundary = this.#buffer.indexOf('\n\n');
      if (boundary >= 0) {
        const block = this.#buffer.slice(0, boundary);
        this.#buffer = this.#buffer.slice(boundary + 2);
        const event = parseBlock(block);
        if (event) {
          this.events.push(event);
          return event;
        }
        continue;
      }
      if (this.#done || !this.#reader) return null;
      const chunk = await this.#reader.read();
      if (chunk.done) {
        this.#done = true;
        this.#buffer += this.#decoder.decode();
        if (this.#buffer.trim() !== '') this.#buffer += '\n\n';
      } else {
        this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
      }
    }
  }

  /** Reads to the end of the stream, failing after the deadline; returns every event read. */
  async readToEnd(timeoutMs = 30_000): Promise<RunSseEvent[]> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void this.#reader?.cancel(new Error('deadline'));
    }, timeoutMs);
    try {
      while ((await this.next()) !== null) {
        // Every event is kept in `events`.
      }
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) {
      throw new Error(
        `the event stream did not end within ${timeoutMs} ms; events so far: ${this.events.map((e) => `${e.id}:${e.event}`).join(', ')}`,
      );
    }
    return this.events;
  }

  async close(): Promise<void> {
    await this.#reader?.cancel().catch(() => undefined);
  }
}

function parseBlock(block: string): RunSseEvent | null {
  let id: number | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = Number(value);
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  if (id === undefined || !Number.isInteger(id)) throw new Error(`an event without a numeric id: ${block}`);
  return { id, event, data: RunEventSchema.parse(JSON.parse(data.join('\n'))) };
}

/** Opens `GET /api/v1/runs/{id}/events`, optionally resuming. */
export function openEvents(
  t: TestPlatform,
  runId: string,
  options: { lastEventId?: string; after?: number; apiKey?: string } = {},
): Promise<Response> {
  return t.request(
    'GET',
    `/api/v1/runs/${runId}/events${options.after === undefined ? '' : `?after=${options.after}`}`,
    {
      ...(options.lastEventId === undefined ? {} : { headers: { 'last-event-id': options.lastEventId } }),
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    },
  );
}

/** Reads a run's whole event stream (it ends after the run's final event). */
export async function readEvents(
  t: TestPlatform,
  runId: string,
  options: { lastEventId?: string; after?: number; timeoutMs?: number } = {},
): Promise<RunSseEvent[]> {
  const response = await openEvents(t, runId, options);
  expect(response.status).toBe(200);
  return new SseReader(response).readToEnd(options.timeoutMs);
}

/** A TCP port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A principal with these roles and an API key for it, in the default tenant or `tenant`. */
export async function keyWithRoles(
  t: TestPlatform,
  roles: Role[],
  tenant?: string,
): Promise<{ name: string; key: string }> {
  const query = tenant ? `?tenant=${tenant}` : '';
  const name = unique(roles.join('-'));
  const principal = await sendTo(t, 'POST', `/api/v1/principals${query}`, { body: { name, roles } });
  expect(principal.status, JSON.stringify(principal.body)).toBe(201);
  const key = await sendTo<ApiKeyCreated>(t, 'POST', `/api/v1/api-keys${query}`, {
    body: { principal: name },
  });
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  return { name, key: key.body.key };
}

/** Creates a tenant and returns an admin API key in it. */
export async function tenantAdminKey(t: TestPlatform, tenant: string): Promise<string> {
  const created = await sendTo(t, 'POST', '/api/v1/tenants', { body: { name: tenant } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return (await keyWithRoles(t, ['admin'], tenant)).key;
}
