import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Problem, ToolInfo, ToolInvokeResult, ToolServer } from '../../src/contracts/index.ts';
import { REPO_ROOT, runActl } from '../support/cli.ts';
import { expectProblem, type SendOptions, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import {
  createAgent,
  createBackend,
  reactAgent,
  startRun,
  waitForStatus,
  waitUntil,
} from '../support/runs.ts';
import { type ScriptedModelServer, startScriptedModelServer } from '../support/scripted-model-server.ts';

/**
 * The tool gateway with published MCP servers from npm, not only our own: server-everything over
 * Streamable HTTP and over stdio, server-filesystem over stdio.
 */
const EVERYTHING = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const FILESYSTEM = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');

let t: TestPlatform;
let model: ScriptedModelServer;
let everythingHttp: ChildProcess;
let everythingUrl: string;
let scratch: string;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'agenticai-mcp-'));
  writeFileSync(join(scratch, 'notes.txt'), 'incident INC-7: odd login from 203.0.113.9\n');
  const port = await freePort();
  everythingHttp = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    everythingHttp.stderr?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
    everythingHttp.once('exit', (code) => reject(new Error(`server-everything exited ${code}`)));
  });
  everythingUrl = `http://127.0.0.1:${port}/mcp`;
  t = await startTestPlatform({ toolStdioCommands: [process.execPath], workerPollMs: 200 });
  model = await startScriptedModelServer();
  await createBackend(t, 'scripted', model.url, { timeout: '10s' });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await model?.close();
  everythingHttp?.kill();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

const server = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'agenticai.dev/v1alpha1',
  kind: 'ToolServer',
  metadata: { name },
  spec,
});

const textOf = (result: ToolInvokeResult) =>
  result.content.map((part) => (part.type === 'text' ? String(part.text) : '')).join('');

describe('MCP tool servers', () => {
  it('connects to server-everything over Streamable HTTP and registers its tools as SERVER__TOOL', async () => {
    const created = await send<ToolServer>('POST', '/api/v1/tool-servers', {
      body: server('everything', { transport: 'streamable-http', url: everythingUrl, internal: true }),
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toMatchObject({ state: 'connected', lastError: null });
    expect(created.body.status.tools).toContain('echo');
    expect(created.body.status.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(created.body.status.serverInfo?.name).toBeTruthy();

    const tools = await send<Page<ToolInfo>>('GET', '/api/v1/tools?source=server&search=echo');
    expect(tools.body.items.map((tool) => tool.name)).toContain('everything__echo');
    const echo = await send<ToolInfo>('GET', '/api/v1/tools/everything__echo');
    expect(echo.body).toMatchObject({ type: 'mcp', source: 'server', server: 'everything' });
    expect(echo.body.parameters).toMatchObject({ type: 'object' });
  });

  it('registers one server tool under a name of your own (type: mcp), with the schema the server declares', async () => {
    const applied = await send('POST', '/api/v1/apply', {
      body: {
        items: [
          {
            apiVersion: 'agenticai.dev/v1alpha1',
            kind: 'Tool',
            metadata: { name: 'say-it' },
            spec: { type: 'mcp', config: { server: 'everything', tool: 'echo' } },
          },
        ],
      },
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const [named, discovered] = await Promise.all([
      send<ToolInfo>('GET', '/api/v1/tools/say-it'),
      send<ToolInfo>('GET', '/api/v1/tools/everything__echo'),
    ]);
    expect(named.body).toMatchObject({
      name: 'say-it',
      type: 'mcp',
      source: 'manifest',
      server: 'everything',
    });
    expect(named.body.parameters).toEqual(discovered.body.parameters);
    expect(named.body.description).toBe(discovered.body.description);
    const refused = await send<Problem>('POST', '/api/v1/tools/say-it:invoke', { body: { arguments: {} } });
    expectProblem(refused, 400, 'INVALID_REQUEST');
    const reply = await send<ToolInvokeResult>('POST', '/api/v1/tools/say-it:invoke', {
      body: { arguments: { message: 'under my name' } },
    });
    expect(textOf(reply.body)).toContain('under my name');
  });

  it('calls a discovered tool, governed and audited, and returns MCP’s result shape', async () => {
    const reply = await send<ToolInvokeResult>('POST', '/api/v1/tools/everything__echo:invoke', {
      body: { arguments: { message: 'hello from agenticai' } },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.isError).toBe(false);
    expect(textOf(reply.body)).toContain('hello from agenticai');
    expect(reply.body.auditId).toBeTruthy();
    // The record is written with the next group commit, a moment after the answer.
    const records = await waitUntil(
      async () =>
        (
          await send<{ items: Array<{ id: string; action: string; tool: string; actor: string }> }>(
            'GET',
            '/api/v1/audit?action=tool_call&tool=everything__echo',
          )
        ).body.items,
      (items) => items.some((record) => record.id === reply.body.auditId),
      () => 'the call’s audit record',
      5_000,
    );
    expect(records.find((record) => record.id === reply.body.auditId)).toMatchObject({
      action: 'tool_call',
      tool: 'everything__echo',
    });
  });

  it('refuses arguments that break the tool’s schema, listing the fields, without calling it', async () => {
    const reply = await send('POST', '/api/v1/tools/everything__echo:invoke', {
      body: { arguments: { message: 42 } },
    });
    const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
    expect(problem.errors?.map((error) => error.pointer)).toContain('/arguments/message');
  });

  it('connects a stdio server (server-filesystem) the operator allows, and calls it', async () => {
    const created = await send<ToolServer>('POST', '/api/v1/tool-servers', {
      body: server('files', { transport: 'stdio', command: process.execPath, args: [FILESYSTEM, scratch] }),
    });
    expect(created.status).toBe(201);
    expect(created.body.status.state).toBe('connected');
    const read = created.body.status.tools.find((name) => name === 'read_text_file' || name === 'read_file');
    expect(read).toBeTruthy();
    const reply = await send<ToolInvokeResult>('POST', `/api/v1/tools/files__${read}:invoke`, {
      body: { arguments: { path: join(scratch, 'notes.txt') } },
    });
    expect(textOf(reply.body)).toContain('INC-7');
  });

  it('refuses a stdio command the operator did not allow, pointing at it', async () => {
    const reply = await send('POST', '/api/v1/tool-servers', {
      body: server('shell', { transport: 'stdio', command: '/bin/sh', args: ['-c', 'id'] }),
    });
    const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
    expect(problem.errors).toContainEqual(
      expect.objectContaining({
        pointer: '/spec/command',
        detail: expect.stringMatching(/not one the operator allows/),
      }),
    );
  });

  it('refuses a Streamable HTTP server on a private address unless marked internal', async () => {
    const created = await send<ToolServer>('POST', '/api/v1/tool-servers', {
      body: server('sneaky', { transport: 'streamable-http', url: everythingUrl }),
    });
    expect(created.status).toBe(201);
    expect(created.body.status.state).toBe('failed');
    expect(created.body.status.lastError).toMatch(/SSRF guard/);
    await send('DELETE', '/api/v1/tool-servers/sneaky');
  });

  it('shows each server’s state in actl get toolservers, and its tools in actl get tools', async () => {
    const env = { AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: t.adminKey };
    const servers = await runActl(['get', 'toolservers'], { env });
    expect(servers.code).toBe(0);
    expect(servers.stdout).toMatch(/everything\s+streamable-http\s+connected/);
    expect(servers.stdout).toMatch(/files\s+stdio\s+connected/);
    const tools = await runActl(['get', 'tools', '-o', 'json'], { env });
    expect(tools.code).toBe(0);
    expect(JSON.parse(tools.stdout).items.map((tool: ToolInfo) => tool.name)).toContain('everything__echo');
    const invoked = await runActl(
      ['tools', 'invoke', 'everything__echo', '--args', '{"message":"via actl"}'],
      { env },
    );
    expect(invoked.code).toBe(0);
    expect(invoked.stdout).toContain('via actl');
  });

  it('drops a server’s tools when it is deleted', async () => {
    expect((await send('DELETE', '/api/v1/tool-servers/files')).status).toBe(204);
    const tools = await send<Page<ToolInfo>>('GET', '/api/v1/tools?source=server&limit=500');
    expect(tools.body.items.some((tool) => tool.server === 'files')).toBe(false);
    expectProblem(
      await send('POST', '/api/v1/tools/files__read_text_file:invoke', { body: {} }),
      404,
      'NOT_FOUND',
    );
  });
});

describe('agents with MCP tools', () => {
  it('lets a react agent call a discovered tool: the model sees its schema, the run records the call', async () => {
    const name = unique('mcp-agent');
    await send('POST', '/api/v1/apply', {
      body: {
        items: [
          {
            apiVersion: 'agenticai.dev/v1alpha1',
            kind: 'Policy',
            metadata: { name: 'echo-length' },
            spec: {
              scopes: [{ name: 'short', tool: 'everything__echo', arg: 'message', pattern: '^.{1,100}$' }],
            },
          },
        ],
      },
    });
    await createAgent(t, reactAgent(name, 'scripted', { tools: ['everything__echo'] }));
    model.enqueue(
      { toolCalls: [{ name: 'everything__echo', arguments: { message: 'ping over MCP' } }] },
      { content: 'The server echoed ping.' },
    );
    const run = await startRun(t, name, { input: 'echo ping' });
    const done = await waitForStatus(t, run.id, 'completed');
    expect(done.output).toBe('The server echoed ping.');
    const offered = model.requests.at(-2)?.body.tools as Array<{
      function: { name: string; parameters: object };
    }>;
    expect(offered.map((tool) => tool.function.name)).toEqual(['everything__echo']);
    expect(offered[0]?.function.parameters).toMatchObject({ type: 'object', properties: { message: {} } });
    const toolMessage = model.requests.at(-1)?.body.messages.find((message) => message.role === 'tool');
    expect(toolMessage?.content).toContain('ping over MCP');
    const audit = await send<{ items: Array<{ action: string; tool: string }> }>(
      'GET',
      `/api/v1/audit?run=${run.id}&action=tool_call`,
    );
    expect(audit.body.items.map((record) => record.tool)).toEqual(['everything__echo']);
  });

  it('refuses to start an agent run that names a tool nobody registered', async () => {
    const name = unique('ghost-tool');
    await createAgent(t, reactAgent(name, 'scripted', { tools: ['nowhere__nothing'] }));
    const run = await startRun(t, name, { input: 'x' });
    const failed = await waitForStatus(t, run.id, 'failed');
    expect(failed.error?.message).toMatch(/unknown tool "nowhere__nothing"/);
  });

  it('gives the model an error result, not a crashed run, when the tool server dies', async () => {
    const port = await freePort();
    const doomed = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve) =>
      doomed.stderr?.on('data', (c: Buffer) => c.toString().includes('listening') && resolve()),
    );
    await send('POST', '/api/v1/tool-servers', {
      body: server('doomed', {
        transport: 'streamable-http',
        url: `http://127.0.0.1:${port}/mcp`,
        internal: true,
        timeout: '3s',
      }),
    });
    const name = unique('doomed-agent');
    await createAgent(t, reactAgent(name, 'scripted', { tools: ['doomed__echo'] }));
    doomed.kill('SIGKILL');
    await new Promise((resolve) => doomed.once('exit', resolve));
    model.enqueue(
      { toolCalls: [{ name: 'doomed__echo', arguments: { message: 'anyone there?' } }] },
      { content: 'The tool server is down.' },
    );
    const run = await startRun(t, name, { input: 'try' });
    const done = await waitForStatus(t, run.id, 'completed');
    expect(done.output).toBe('The tool server is down.');
    const toolMessage = model.requests.at(-1)?.body.messages.find((message) => message.role === 'tool');
    expect(toolMessage?.content).toMatch(/doomed__echo failed/);
  });
});
