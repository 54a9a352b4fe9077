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

function connect(url: string, onTools: (tools: McpTool[]) => void = () => {}): McpConnection {
  const spec: ToolServerSpec = { transport: 'streamable-http', url, internal: true };
  const connection = new McpConnection({
    label: 'test/echo',
    spec,
    resolveSecret: async () => '',
    onTools,
    clientVersion: 'test',
  });
  opened.push(connection);
  return connection;
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
