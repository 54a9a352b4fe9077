import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EGRESS_FORWARDER_PATH,
  SANDBOX_EGRESS_FORWARDER,
  SANDBOX_EGRESS_SOCKET,
} from './egress-forwarder.ts';
import { type EgressAttempt, EgressProxy } from './egress-proxy.ts';

// The whole egress path with a real sandbox: code in a bubblewrap sandbox with no network talks
// to the forwarder on its own loopback, which carries the bytes over a bind-mounted Unix socket to
// the EgressProxy on the host, which alone decides and connects.

const BWRAP = '/usr/bin/bwrap';

/** A minimal bubblewrap sandbox: no network, read-only /usr, nobody's uid; `binds` add mounts. */
function sandboxArgs(binds: string[], command: string[]): string[] {
  return [
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    ...['--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64'],
    ...['--symlink', 'usr/bin', '/bin', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp'],
    ...['--uid', '65534', '--gid', '65534'],
    ...binds,
    ...command,
  ];
}

/** Runs bwrap without blocking the event loop: the proxy it talks to lives in this process. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BWRAP, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Python run behind the forwarder, as the agent's code would be. */
function behindProxy(python: string): string[] {
  return [
    '/usr/bin/python3',
    SANDBOX_EGRESS_FORWARDER,
    SANDBOX_EGRESS_SOCKET,
    '--',
    '/usr/bin/python3',
    '-c',
    python,
  ];
}

const portOf = (server: Server | HttpServer) => (server.address() as AddressInfo).port;

describe.skipIf(!existsSync(BWRAP))('egress through bubblewrap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'egress-bwrap-'));
  let web: HttpServer;
  let echo: Server;
  let proxy: EgressProxy;
  const attempts: EgressAttempt[] = [];
  // One host folder holds both the socket and the forwarder, bound as /run/agenticai.
  const binds = ['--ro-bind', dir, '/run/agenticai'];

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    copyFileSync(EGRESS_FORWARDER_PATH, join(dir, 'egress-forwarder.py'));
    web = createHttpServer((request, response) => response.end(`hello ${request.url}`));
    echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = new EgressProxy({
      allow: [`127.0.0.1:${portOf(web)}`, `127.0.0.1:${portOf(echo)}`],
      socketPath: join(dir, 'egress.sock'),
      onAttempt: (attempt) => attempts.push(attempt),
    });
    await proxy.listen();
  });

  afterAll(async () => {
    await proxy.close();
    web.close();
    echo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets an allowed plain-HTTP request out through the proxy and reports it', async () => {
    attempts.length = 0;
    const url = `http://127.0.0.1:${portOf(web)}/inside`;
    const result = await run(
      sandboxArgs(
        binds,
        behindProxy(`import urllib.request; print(urllib.request.urlopen("${url}").read().decode())`),
      ),
    );
    expect(result).toMatchObject({ code: 0, stdout: 'hello /inside\n' });
    expect(attempts).toMatchObject([{ host: '127.0.0.1', port: portOf(web), method: 'GET', allowed: true }]);
  });

  it('tunnels an allowed CONNECT byte for byte', async () => {
    attempts.length = 0;
    const python = [
      'import socket',
      's = socket.create_connection(("127.0.0.1", 3128))',
      `s.sendall(b"CONNECT 127.0.0.1:${portOf(echo)} HTTP/1.1\\r\\n\\r\\n")`,
      'head = s.recv(4096)',
      'assert head.startswith(b"HTTP/1.1 200"), head',
      's.sendall(b"ping")',
      'print(s.recv(4).decode())',
    ].join('\n');
    const result = await run(sandboxArgs(binds, behindProxy(python)));
    expect(result).toMatchObject({ code: 0, stdout: 'ping\n' });
    expect(attempts).toMatchObject([{ method: 'CONNECT', port: portOf(echo), allowed: true }]);
  });

  it('refuses a destination no rule allows with 403, and passes the exit code through', async () => {
    attempts.length = 0;
    const closed = await new Promise<Server>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
    });
    const otherPort = portOf(closed);
    closed.close();
    const python = [
      'import sys, urllib.request, urllib.error',
      'try:',
      `    urllib.request.urlopen("http://127.0.0.1:${otherPort}/")`,
      'except urllib.error.HTTPError as error:',
      '    print(error.code); sys.exit(3)',
    ].join('\n');
    const result = await run(sandboxArgs(binds, behindProxy(python)));
    expect(result).toMatchObject({ code: 3, stdout: '403\n' });
    expect(attempts).toMatchObject([{ port: otherPort, allowed: false }]);
  });

  it('without a proxy, resolves no name at all: DNS does not leave the sandbox', async () => {
    const name = `exfil-${randomUUID()}.example.com`;
    const python = [
      'import socket',
      'try:',
      `    socket.getaddrinfo("${name}", 53)`,
      '    print("resolved")',
      'except socket.gaierror as error:',
      '    print("gaierror", error.errno)',
    ].join('\n');
    // The host's resolver configuration is visible, so a lookup is really tried (and has no way out).
    const resolver = [
      '--ro-bind-try',
      '/etc/resolv.conf',
      '/etc/resolv.conf',
      '--ro-bind-try',
      '/etc/hosts',
      '/etc/hosts',
    ];
    const result = await run(sandboxArgs(resolver, ['/usr/bin/python3', '-c', python]));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^gaierror -?\d+\n$/);
  });
});
