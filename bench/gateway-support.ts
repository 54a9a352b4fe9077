/**
 * Processes for bench/gateway.ts: the instant stub upstream, the bare node:http proxy anchor, and
 * Portkey's gateway (installed into a scratch folder, never the project's dependencies).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * The stub upstream (TEST DOUBLE of an OpenAI-compatible server): a fixed chat completion at once;
 * with `stream: true`, five chunks and [DONE] at once; model `slow` streams one chunk every 100 ms
 * for 2 s (for holding many streams open).
 */
export const STUB = `
const http = require('node:http');
const body = JSON.stringify({
  id: 'chatcmpl-stub', object: 'chat.completion', created: 1700000000, model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
});
const chunk = (content, finish) => 'data: ' + JSON.stringify({ id: 'chatcmpl-stub', object: 'chat.completion.chunk',
  created: 1700000000, model: 'm', choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }] }) + '\\n\\n';
const usage = 'data: ' + JSON.stringify({ id: 'chatcmpl-stub', object: 'chat.completion.chunk', created: 1700000000,
  model: 'm', choices: [], usage: { prompt_tokens: 5, completion_tokens: 5 } }) + '\\n\\n';
http.createServer((request, response) => {
  const parts = [];
  request.on('data', (part) => parts.push(part));
  request.on('end', () => {
    const text = Buffer.concat(parts).toString();
    if (!text.includes('"stream":true')) {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      response.end(body);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    if (text.includes('"model":"slow"')) {
      let sent = 0;
      const timer = setInterval(() => {
        if (sent === 20) { clearInterval(timer); response.end(chunk(null, 'stop') + usage + 'data: [DONE]\\n\\n'); return; }
        response.write(chunk('tick ', null)); sent += 1;
      }, 100);
      response.on('close', () => clearInterval(timer));
      return;
    }
    response.end(['one ', 'two ', 'three ', 'four ', 'five'].map((c) => chunk(c, null)).join('') + chunk(null, 'stop') + usage + 'data: [DONE]\\n\\n');
  });
}).listen(Number(process.argv[1]), '127.0.0.1', () => process.send && process.send('ready'));
`;

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * The floor any Node gateway stands on: a bare node:http proxy that passes each request to the
 * stub over keep-alive connections and the answer back, with no authentication, parsing, limits,
 * audit or metrics. argv: its port, the upstream port.
 */
export const BARE_PROXY = `
const http = require('node:http');
const [port, upstream] = process.argv.slice(1).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
http.createServer((request, response) => {
  const forward = http.request({ host: '127.0.0.1', port: upstream, path: '/v1/chat/completions', method: 'POST', agent,
    headers: { 'content-type': 'application/json', 'content-length': request.headers['content-length'] } }, (answer) => {
    response.writeHead(answer.statusCode, answer.headers);
    answer.pipe(response);
  });
  forward.on('error', () => { response.writeHead(502); response.end(); });
  request.pipe(forward);
}).listen(port, '127.0.0.1', () => process.send && process.send('ready'));
`;

export function node(args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  return spawn(process.execPath, args, options);
}

export async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Portkey's open-source gateway, installed once into `dir` (pinned version, its streaming fix as
 * an override). Returns the start script, or null (with the reason printed) if it cannot install.
 */
export function portkeyScript(dir: string): string | null {
  const script = join(dir, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  if (existsSync(script)) return script;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'portkey-anchor', private: true, overrides: { '@hono/node-server': '1.13.5' } }),
  );
  const installed = spawnSync('npm', ['i', '-E', '--no-audit', '--no-fund', '@portkey-ai/gateway@1.15.2'], {
    cwd: dir,
    stdio: 'ignore',
  });
  if (installed.status !== 0 || !existsSync(script)) {
    console.log('(Portkey could not be installed from the npm registry: its rows are left out)');
    return null;
  }
  return script;
}
