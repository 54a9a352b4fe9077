import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval, RunStep, ToolInvokeResult, ToolServer } from '../../src/contracts/index.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { type SendOptions, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import {
  closedPort,
  createAgent,
  createBackend,
  reactAgent,
  startRun,
  waitForStatus,
  waitUntil,
} from '../support/runs.ts';
import { type ScriptedModelServer, startScriptedModelServer } from '../support/scripted-model-server.ts';

/**
 * A tool server that dies in the middle of a call. A call that may have run and is not
 * idempotent pauses the run `in_doubt` for a person; a safe one is tried again; a direct call
 * says what happened. The server is a real process, killed with SIGKILL.
 */
const SERVER = join(REPO_ROOT, 'test/fixtures/crashy-tool-server.ts');

let t: TestPlatform;
let model: ScriptedModelServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  t = await startTestPlatform({ workerPollMs: 200 });
  model = await startScriptedModelServer();
  await createBackend(t, 'scripted', model.url, { timeout: '10s' });
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await t?.close();
  await model?.close();
});

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

/** The fixture server on `port`; `calls` resolves at each `started NAME` line it prints. */
async function startServer(port: number, slowMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, String(port)], {
    cwd: REPO_ROOT,
    env: { ...process.env, SLOW_MS: String(slowMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const started: string[] = [];
  const listeners: Array<() => void> = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (const match of buffered.matchAll(/started (\w+)\n/g)) started.push(match[1] as string);
    buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    for (const listener of listeners.splice(0)) listener();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`tool server exited ${code}`)));
  });
  return {
    started,
    /** Resolves once the server has begun `count` calls. */
    async callsBegun(count: number): Promise<void> {
      while (started.length < count) await new Promise<void>((resolve) => listeners.push(resolve));
    },
    async kill(): Promise<void> {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null)
        await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function register(name: string, port: number): Promise<void> {
  const created = await send('POST', '/api/v1/tool-servers', {
    body: {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'ToolServer',
      metadata: { name },
      spec: {
        transport: 'streamable-http',
        url: `http://127.0.0.1:${port}/mcp`,
        internal: true,
        timeout: '30s',
      },
    },
  });
  expect(created.status).toBe(201);
  await connected(name);
}

async function connected(name: string): Promise<void> {
  await waitUntil(
    () => send<ToolServer>('GET', `/api/v1/tool-servers/${name}`),
    (reply) => reply.body.status?.state === 'connected',
    (reply) => `tool server ${name} is not connected: ${JSON.stringify(reply.body)}`,
    30_000,
  );
}

async function toolStep(runId: string): Promise<RunStep> {
  const steps = await send<{ items: RunStep[] }>('GET', `/api/v1/runs/${runId}/steps`);
  const step = steps.body.items.find((item) => item.kind === 'tool_call');
  if (!step) throw new Error(`run ${runId} has no tool step: ${JSON.stringify(steps.body)}`);
  return step;
}

const toolMessage = () =>
  model.requests.at(-1)?.body.messages.find((message) => message.role === 'tool')?.content;

describe('a tool server that dies mid-call', () => {
  it('pauses the run in doubt for a call that may have run, and runs it again when the operator says retry', async () => {
    const port = await closedPort();
    let server = await startServer(port, 60_000);
    await register('crashy', port);
    const agent = unique('writer');
    await createAgent(t, reactAgent(agent, 'scripted', { tools: ['crashy__slow_write'] }));
    model.enqueue(
      { toolCalls: [{ name: 'crashy__slow_write', arguments: { note: 'INC-9' } }] },
      { content: 'Written.' },
    );
    const run = await startRun(t, agent, { input: 'write it' });
    await server.callsBegun(1);
    await server.kill();

    const paused = await waitForStatus(t, run.id, 'paused');
    expect(paused.status_reason).toBe('in_doubt');
    const failed = await toolStep(run.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'in_doubt' }, attempt: 1 });
    expect(failed.error?.message).toBe(
      'crashy__slow_write failed: its tool server went away during the call (socket hang up); it may have run',
    );
    const approvals = await send<{ items: Approval[] }>(
      'GET',
      `/api/v1/approvals?run=${run.id}&status=pending`,
    );
    expect(approvals.body.items).toMatchObject([{ kind: 'in_doubt', tool: 'crashy__slow_write' }]);

    server = await startServer(port, 0);
    await connected('crashy');
    const resolved = await send('POST', `/api/v1/runs/${run.id}:resolve`, { body: { action: 'retry' } });
    expect(resolved.status).toBe(200);
    const done = await waitForStatus(t, run.id, 'completed');
    expect(done.output).toBe('Written.');
    expect(server.started).toEqual(['slow_write']);
    expect(toolMessage()).toContain('slow_write done: INC-9');
    expect(await toolStep(run.id)).toMatchObject({ status: 'completed', attempt: 2 });
    await server.kill();
    await send('DELETE', '/api/v1/tool-servers/crashy');
  }, 90_000);

  it('tries an idempotent call again, then gives the model the failure as an error result', async () => {
    const port = await closedPort();
    const server = await startServer(port, 60_000);
    await register('crashy-read', port);
    const agent = unique('reader');
    await createAgent(t, reactAgent(agent, 'scripted', { tools: ['crashy-read__slow_read'] }));
    model.enqueue(
      { toolCalls: [{ name: 'crashy-read__slow_read', arguments: { note: 'INC-10' } }] },
      { content: 'The reader is down.' },
    );
    const run = await startRun(t, agent, { input: 'read it' });
    await server.callsBegun(1);
    await server.kill();

    const done = await waitForStatus(t, run.id, 'completed');
    expect(done.output).toBe('The reader is down.');
    expect(toolMessage()).toMatch(/crashy-read__slow_read failed: .*\(tried 3 times\)/);
    expect(await toolStep(run.id)).toMatchObject({ status: 'completed', attempt: 3 });
    await send('DELETE', '/api/v1/tool-servers/crashy-read');
  }, 90_000);

  it('answers a direct call with an error result that says the call may have run', async () => {
    const port = await closedPort();
    const server = await startServer(port, 60_000);
    await register('crashy-direct', port);
    const call = send<ToolInvokeResult>('POST', '/api/v1/tools/crashy-direct__slow_write:invoke', {
      body: { arguments: { note: 'INC-11' } },
    });
    await server.callsBegun(1);
    await server.kill();
    const reply = await call;
    expect(reply.status).toBe(200);
    expect(reply.body.isError).toBe(true);
    expect(reply.body.content[0]?.text).toMatch(
      /went away during the call .*it may have run\. Check whether it took effect before calling it again\./,
    );
    // The server's state says so too, and the next call fails at once, naming the cause.
    const next = await send<ToolInvokeResult>('POST', '/api/v1/tools/crashy-direct__slow_write:invoke', {
      body: { arguments: { note: 'INC-12' } },
    });
    expect(next.body.isError).toBe(true);
    expect(next.body.content[0]?.text).toMatch(/cannot be reached|is not connected/);
    await send('DELETE', '/api/v1/tool-servers/crashy-direct');
  }, 60_000);
});
