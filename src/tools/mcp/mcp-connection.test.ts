import { createServer, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ToolServerSpec } from '../../contracts/index.ts';
import { defineTool, type ServedTools, serveTools } from '../../sdk/index.ts';
import { McpConnection, type McpTool } from './mcp-connection.ts';

const echo = defineTool({
  name: 'echo',
  description: 'Echoes',
  input: z.object({ text: z.string() }),
  run: (_ctx, { text }) => text,
});

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((item) => item.close()));
});

function connect(
  url: string,
  onTools: (tools: McpTool[]) => void = () => {},
  maxAnswerBytes?: number,
): McpConnection {
  const spec: ToolServerSpec = { transport: 'streamable-http', url, internal: true };
  const connection = new McpConnection({
    label: 'test/echo',
    spec,
    resolveSecret: async () => '',
    onTools,
    clientVersion: 'test',
    ...(maxAnswerBytes === undefined ? {} : { maxAnswerBytes }),
  });
  opened.push(connection);
  return connection;
}

/** A TCP relay in front of a tool server that counts the connections and the POSTs through it. */
async function relay(target: URL): Promise<{ url: string; connections: number; posts: number }> {
  const seen = { url: '', connections: 0, posts: 0 };
  const server = createServer((inbound) => {
    seen.connections++;
    const outbound = tcpConnect(Number(target.port), target.hostname);
    inbound.on('data', (chunk: Buffer) => {
      seen.posts += chunk.toString('latin1').split('POST /mcp').length - 1;
    });
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  opened.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  const { port } = server.address() as { port: number };
  seen.url = `http://127.0.0.1:${port}${target.pathname}`;
  return seen;
}

async function serve(port = 0): Promise<ServedTools> {
  const served = await serveTools([echo], { port });
  opened.push(served);
  return served;
}

describe('McpConnection (real MCP server over Streamable HTTP)', () => {
  it('makes thousands of calls without piling listeners on its transport’s signal', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const connection = connect((await serve()).url);
      await connection.start();
      for (let i = 0; i < 1700; i++)
        await connection.call('echo', { text: String(i) }, { signal: new AbortController().signal });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('sends nothing for a finished call whose caller aborts later, and keeps its connection', async () => {
    const counted = await relay(new URL((await serve()).url));
    const connection = connect(counted.url);
    await connection.start();
    const before = { ...counted };
    for (let i = 0; i < 20; i++) {
      const caller = new AbortController();
      await connection.call('echo', { text: String(i) }, { signal: caller.signal });
      caller.abort(new Error('the caller is done'));
    }
    // A notifications/cancelled would be one more POST, and its cancelled empty answer a new socket.
    await connection.call('echo', { text: 'last' }, { signal: new AbortController().signal });
    expect(counted.posts - before.posts).toBe(21);
    expect(counted.connections - before.connections).toBe(0);
  });

  it('refuses an answer over the limit as this call’s error, and stays connected', async () => {
    const connection = connect((await serve()).url, () => {}, 20_000);
    await connection.start();
    await expect(
      connection.call('echo', { text: 'x'.repeat(30_000) }, { signal: new AbortController().signal }),
    ).rejects.toThrow("the tool server's answer exceeds 20000 bytes");
    expect(connection.status.state).toBe('connected');
    const small = await connection.call('echo', { text: 'small' }, { signal: new AbortController().signal });
    expect(small.content[0]?.text).toBe('small');
  });

  it('reports a server that went away as failed, and reconnects when it is back', async () => {
    const first = await serve();
    const port = Number(new URL(first.url).port);
    const connection = connect(first.url);
    await connection.start();
    expect(connection.status.state).toBe('connected');
    await first.close();
    await expect(
      connection.call('echo', { text: 'x' }, { signal: new AbortController().signal }),
    ).rejects.toThrow();
    await serve(port);
    const deadline = Date.now() + 15_000;
    let answered = false;
    while (!answered && Date.now() < deadline) {
      answered = await connection
        .call('echo', { text: 'back' }, { signal: new AbortController().signal })
        .then((result) => result.content[0]?.text === 'back')
        .catch(() => false);
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(answered).toBe(true);
    expect(connection.status.state).toBe('connected');
  });
});
