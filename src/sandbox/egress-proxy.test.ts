import { mkdtempSync, rmSync, statSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  request as httpRequest,
} from 'node:http';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EgressAttempt, EgressProxy, matchEgress } from './egress-proxy.ts';

describe('matchEgress', () => {
  const rules = ['example.com:443', '*.corp.example:*', '10.0.0.5:8080'];

  it('matches a host exactly, ignoring case and one trailing dot', () => {
    expect(matchEgress(rules, 'EXAMPLE.com', 443)).toBe('example.com:443');
    expect(matchEgress(rules, 'example.com.', 443)).toBe('example.com:443');
    expect(matchEgress(['Example.com.:443'], 'example.COM', 443)).toBe('Example.com.:443');
    expect(matchEgress(rules, 'www.example.com', 443)).toBeNull();
    expect(matchEgress(rules, 'example.com.evil', 443)).toBeNull();
  });

  it('requires the exact port unless the rule says *', () => {
    expect(matchEgress(rules, 'example.com', 80)).toBeNull();
    expect(matchEgress(rules, 'a.corp.example', 22)).toBe('*.corp.example:*');
  });

  it('lets *.suffix match subdomains at any depth but never the apex or a look-alike', () => {
    expect(matchEgress(rules, 'a.b.corp.example', 1)).toBe('*.corp.example:*');
    expect(matchEgress(rules, 'corp.example', 443)).toBeNull();
    expect(matchEgress(rules, 'evilcorp.example', 443)).toBeNull();
  });

  it('matches an IP rule only by the same literal', () => {
    expect(matchEgress(rules, '10.0.0.5', 8080)).toBe('10.0.0.5:8080');
    expect(matchEgress(rules, '010.0.0.5', 8080)).toBeNull();
    expect(matchEgress([], 'example.com', 443)).toBeNull();
  });
});

/** Sends `text` on a fresh connection to the proxy; resolves with the head of the answer. */
function send(socketPath: string, text: string): Promise<{ socket: Socket; head: string; rest: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath, () => socket.write(text));
    let data = '';
    const onData = (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      resolve({ socket, head: data.slice(0, end), rest: data.slice(end + 4) });
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

/** Everything the socket still sends until it closes. */
function readToEnd(socket: Socket, already = ''): Promise<string> {
  return new Promise((resolve) => {
    let data = already;
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(data));
  });
}

const portOf = (server: Server | HttpServer) => (server.address() as AddressInfo).port;
const listening = <T extends Server | HttpServer>(server: T) =>
  new Promise<T>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));

describe('EgressProxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'egress-proxy-'));
  const socketPath = join(dir, 'egress.sock');
  let echo: Server;
  let web: HttpServer;
  let closedPort: number;
  let attempts: EgressAttempt[];
  let proxy: EgressProxy;
  let seen: { url?: string; headers: Record<string, unknown> } = { headers: {} };

  beforeAll(async () => {
    echo = await listening(createServer((socket) => socket.pipe(socket)));
    web = await listening(
      createHttpServer((request, response) => {
        seen = { url: request.url, headers: request.headers };
        response.writeHead(200, { 'content-type': 'text/plain' }).end('hello from upstream');
      }),
    );
    const closed = await listening(createServer());
    closedPort = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
  });

  afterAll(async () => {
    echo.close();
    web.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(allow: string[], onAttempt?: (attempt: EgressAttempt) => void) {
    attempts = [];
    proxy = new EgressProxy({ allow, socketPath, onAttempt: onAttempt ?? ((a) => attempts.push(a)) });
    await proxy.listen();
  }

  afterEach(async () => {
    await proxy.close();
  });

  it('listens on the Unix socket with mode 0666 so the sandbox user can connect', async () => {
    await start([]);
    expect(statSync(socketPath).mode & 0o777).toBe(0o666);
  });

  it('tunnels an allowed CONNECT to an IP-literal rule and pipes both ways', async () => {
    const port = portOf(echo);
    await start([`127.0.0.1:${port}`]);
    const { socket, head } = await send(socketPath, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
    expect(head).toBe('HTTP/1.1 200 Connection Established');
    socket.write('ping');
    const echoed = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    expect(echoed).toBe('ping');
    socket.destroy();
    expect(attempts).toEqual([
      {
        host: '127.0.0.1',
        port,
        method: 'CONNECT',
        allowed: true,
        reason: `allowed by 127.0.0.1:${port}`,
        address: '127.0.0.1',
      },
    ]);
  });

  it('refuses a CONNECT no rule matches with 403 and a one-line reason', async () => {
    await start([`127.0.0.1:${portOf(echo)}`]);
    const { socket, head, rest } = await send(
      socketPath,
      `CONNECT 127.0.0.1:${portOf(web)} HTTP/1.1\r\n\r\n`,
    );
    expect(head).toMatch(/^HTTP\/1\.1 403 /);
    expect(await readToEnd(socket, rest)).toBe(`no egress rule matches 127.0.0.1:${portOf(web)}\n`);
    expect(attempts).toMatchObject([
      { host: '127.0.0.1', port: portOf(web), method: 'CONNECT', allowed: false },
    ]);
  });

  it('refuses a name no rule matches without resolving it', async () => {
    await start(['example.com:443']);
    const { socket, head } = await send(socketPath, 'CONNECT never-resolved.invalid:443 HTTP/1.1\r\n\r\n');
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 403 /);
    // A lookup would have failed with "cannot resolve"; the rule check answered first.
    expect(attempts).toEqual([
      {
        host: 'never-resolved.invalid',
        port: 443,
        method: 'CONNECT',
        allowed: false,
        reason: 'no egress rule matches never-resolved.invalid:443',
      },
    ]);
  });

  it('refuses an allowed name that resolves to a non-public address (rebinding guard)', async () => {
    await start([`localhost:${portOf(echo)}`]);
    const { socket, head } = await send(socketPath, `CONNECT localhost:${portOf(echo)} HTTP/1.1\r\n\r\n`);
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 403 /);
    expect(attempts[0]?.allowed).toBe(false);
    expect(attempts[0]?.reason).toMatch(/^localhost resolves to (127\.0\.0\.1|::1) \(a loopback address\)$/);
  });

  it('forwards a plain-HTTP request, dropping hop-by-hop and Proxy-* headers', async () => {
    const port = portOf(web);
    await start([`127.0.0.1:${port}`]);
    const { status, body } = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const request = httpRequest({
        socketPath,
        path: `http://127.0.0.1:${port}/hello?x=1`,
        headers: {
          'proxy-authorization': 'Basic eA==',
          connection: 'close, x-private',
          'x-private': '1',
          'x-kept': '2',
        },
      });
      request.on('response', (response) => {
        let body = '';
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode, body }));
      });
      request.on('error', reject);
      request.end();
    });
    expect({ status, body }).toEqual({ status: 200, body: 'hello from upstream' });
    expect(seen.url).toBe('/hello?x=1');
    expect(seen.headers).toMatchObject({ host: `127.0.0.1:${port}`, 'x-kept': '2' });
    expect(seen.headers).not.toHaveProperty('proxy-authorization');
    expect(seen.headers).not.toHaveProperty('x-private');
    expect(attempts).toMatchObject([{ host: '127.0.0.1', port, method: 'GET', allowed: true }]);
  });

  it('refuses a plain-HTTP request no rule matches with 403', async () => {
    await start([]);
    const { socket, head } = await send(
      socketPath,
      `GET http://127.0.0.1:${portOf(web)}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 403 /);
    expect(attempts).toMatchObject([{ method: 'GET', allowed: false }]);
  });

  it('answers 400 to a malformed CONNECT target and to an origin-form request, and reports both', async () => {
    await start(['*.example.com:*']);
    const texts = [
      'CONNECT no-port HTTP/1.1\r\n\r\n',
      'CONNECT a.example.com:99999 HTTP/1.1\r\n\r\n',
      'CONNECT a/b.example.com:443 HTTP/1.1\r\n\r\n',
      'GET /path HTTP/1.1\r\nHost: a.example.com\r\n\r\n',
    ];
    for (const text of texts) {
      const { socket, head } = await send(socketPath, text);
      socket.destroy();
      expect(head).toMatch(/^HTTP\/1\.1 400 /);
    }
    expect(attempts.map((a) => [a.method, a.allowed])).toEqual([
      ['CONNECT', false],
      ['CONNECT', false],
      ['CONNECT', false],
      ['GET', false],
    ]);
  });

  it('survives bytes that are not HTTP at all (400 from the parser, nothing to report)', async () => {
    await start(['*.example.com:*']);
    const { socket, head } = await send(socketPath, '\x00\x01garbage \r\n\r\n');
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(attempts).toEqual([]);
  });

  it('answers 502 when the allowed upstream refuses the connection', async () => {
    await start([`127.0.0.1:${closedPort}`]);
    const { socket, head } = await send(socketPath, `CONNECT 127.0.0.1:${closedPort} HTTP/1.1\r\n\r\n`);
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 502 /);
    expect(attempts).toMatchObject([{ allowed: true }]);
  });

  it('fails closed with 500 when the audit hook throws', async () => {
    await start([`127.0.0.1:${portOf(echo)}`], () => {
      throw new Error('audit down');
    });
    const { socket, head } = await send(socketPath, `CONNECT 127.0.0.1:${portOf(echo)} HTTP/1.1\r\n\r\n`);
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 500 /);
  });

  it('reports every attempt exactly once and cuts open tunnels on close', async () => {
    const port = portOf(echo);
    await start([`127.0.0.1:${port}`]);
    const open = await send(socketPath, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
    for (let i = 0; i < 3; i++)
      (await send(socketPath, 'CONNECT 10.9.9.9:1 HTTP/1.1\r\n\r\n')).socket.destroy();
    expect(attempts.map((a) => a.allowed)).toEqual([true, false, false, false]);
    const ended = readToEnd(open.socket);
    await proxy.close();
    await ended;
    expect(open.socket.destroyed).toBe(true);
    await start([]);
  });
});
