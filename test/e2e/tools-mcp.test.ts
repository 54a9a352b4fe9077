import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, ToolInfo, ToolInvokeResult, ToolServer } from '../../src/contracts/index.ts';
import { REPO_ROOT, runActl } from '../support/cli.ts';
import { expectProblem, type SendOptions, sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

/**
 * The tool gateway with published MCP servers from npm, not only our own: server-everything over
 * Streamable HTTP and over stdio, server-filesystem over stdio.
 */
const EVERYTHING = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const FILESYSTEM = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');

let t: TestPlatform;
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
  t = await startTestPlatform({ toolStdioCommands: [process.execPath] });
}, 60_000);

afterAll(async () => {
  await t?.close();
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

  it('calls a discovered tool, governed and audited, and returns MCP’s result shape', async () => {
    const reply = await send<ToolInvokeResult>('POST', '/api/v1/tools/everything__echo:invoke', {
      body: { arguments: { message: 'hello from agenticai' } },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.isError).toBe(false);
    expect(textOf(reply.body)).toContain('hello from agenticai');
    expect(reply.body.auditId).toBeTruthy();
    const audit = await send<{ items: Array<{ id: string; action: string; tool: string; actor: string }> }>(
      'GET',
      '/api/v1/audit?action=tool_call&tool=everything__echo',
    );
    expect(audit.body.items.find((record) => record.id === reply.body.auditId)).toMatchObject({
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
