import { lookup } from 'node:dns/promises';
import { chmod, lstat, unlink } from 'node:fs/promises';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  ServerResponse,
} from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { blockedReason } from '../tools/index.ts';

/**
 * One egress attempt, reported exactly once per proxied request or CONNECT tunnel, before any
 * upstream byte is sent. `allowed` means the proxy went on to connect to `address`; a refusal by
 * rule, by the rebinding guard, a failed lookup or a malformed request are all `allowed: false`
 * (a later connect failure is answered 502 but not reported again). Bytes that Node's HTTP parser
 * cannot read as a request at all get its 400 and no report: they name no destination.
 */
export type EgressAttempt = {
  host: string;
  port: number;
  method: string;
  allowed: boolean;
  reason: string;
  address?: string;
};

export interface EgressProxyOptions {
  /** Egress rules (EgressRuleSchema): `host:port`, `*.suffix:port`, `10.0.0.5:8080`, port may be `*`. */
  allow: readonly string[];
  /** Unix socket the proxy listens on; the driver bind-mounts it into exactly one sandbox. */
  socketPath: string;
  /** The audit hook. Must not throw; if it does, the attempt is refused (fail closed) with a 500. */
  onAttempt: (attempt: EgressAttempt) => void;
  /** Limit on resolving, and on connecting, upstream (default 10 s each); past it: 502. */
  connectTimeoutMs?: number;
}

/**
 * The rule that lets `host:port` out, or null. Case-insensitive; `*.example.com` matches
 * subdomains of example.com but not example.com itself; the port must be equal or the rule's `*`.
 * A host is compared as text, so `10.0.0.5` matches only the literal `10.0.0.5`.
 */
export function matchEgress(rules: readonly string[], host: string, port: number): string | null {
  const target = normalizeHost(host);
  for (const rule of rules) {
    const colon = rule.lastIndexOf(':');
    const ruleHost = normalizeHost(rule.slice(0, colon));
    const rulePort = rule.slice(colon + 1);
    if (colon < 1 || (rulePort !== '*' && Number(rulePort) !== port)) continue;
    if (ruleHost.startsWith('*.')) {
      const suffix = ruleHost.slice(1);
      if (target.length > suffix.length && target.endsWith(suffix)) return rule;
    } else if (target === ruleHost) return rule;
  }
  return null;
}

/** Lower case, without one trailing dot: `Example.COM.` and `example.com` name the same host. */
const normalizeHost = (host: string) => host.toLowerCase().replace(/\.$/, '');

const HOST_PATTERN = /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])$/;

/** `host:port` from a CONNECT target, or null when it is not one. */
function parseAuthority(target: string): { host: string; port: number } | null {
  const match = /^(.{1,260}):(\d{1,5})$/.exec(target);
  const host = normalizeHost(match?.[1] ?? '');
  const port = Number(match?.[2]);
  if (!match || !HOST_PATTERN.test(host) || port < 1 || port > 65535) return null;
  return { host, port };
}

type Decision =
  | { allowed: true; address: string; reason: string }
  | { allowed: false; status: number; reason: string };

/** Headers a proxy must not forward (RFC 9110 §7.6.1), plus every `Proxy-*` header. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function endToEndHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const listed = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) => !HOP_BY_HOP.has(name) && !listed.has(name) && !name.startsWith('proxy-'),
    ),
  );
}

/**
 * The filtering HTTP(S) proxy of one sandbox's egress allowlist. Names are resolved here, on the
 * host, and only for hosts a rule allows, so a refused name is never looked up (no DNS
 * exfiltration). A rule naming a host refuses it when any of its addresses is not public (DNS
 * rebinding guard), and the connection goes to the address that was checked; a rule that is an
 * IP literal allows exactly that address, private or not. Nothing the client sends crashes it.
 */
export class EgressProxy {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: false });
  private readonly tunnels = new Set<Duplex>();
  private readonly timeoutMs: number;

  constructor(private readonly options: EgressProxyOptions) {
    this.timeoutMs = options.connectTimeoutMs ?? 10_000;
    this.server = createServer((request, response) => void this.forward(request, response));
    this.server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => {
      void this.tunnel(request, client, head);
    });
  }

  /** Listens on `socketPath` (a stale socket there is replaced), mode 0666 for the sandbox's uid. */
  async listen(): Promise<void> {
    const existing = await lstat(this.options.socketPath).catch(() => null);
    if (existing?.isSocket()) await unlink(this.options.socketPath);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    await chmod(this.options.socketPath, 0o666);
  }

  /** Stops listening (removing the socket file) and cuts every open request and tunnel. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.tunnels) socket.destroy();
    this.server.closeAllConnections();
    this.agent.destroy();
    await closed;
  }

  /** Reports the attempt; false (and the client answered 500) when the audit hook threw. */
  private report(attempt: EgressAttempt): boolean {
    try {
      this.options.onAttempt(attempt);
      return true;
    } catch {
      return false;
    }
  }

  private async decide(host: string, port: number): Promise<Decision> {
    const rule = matchEgress(this.options.allow, host, port);
    if (!rule) return { allowed: false, status: 403, reason: `no egress rule matches ${host}:${port}` };
    const reason = `allowed by ${rule}`;
    if (isIP(rule.slice(0, rule.lastIndexOf(':')))) return { allowed: true, address: host, reason };
    let addresses: { address: string }[];
    try {
      addresses = await withTimeout(lookup(host, { all: true }), this.timeoutMs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { allowed: false, status: 502, reason: `cannot resolve ${host} (${code})` };
    }
    for (const { address } of addresses) {
      const blocked = blockedReason(address);
      if (blocked)
        return { allowed: false, status: 403, reason: `${host} resolves to ${address} (${blocked})` };
    }
    // IPv4 first: many hosts have no IPv6 route out, and there is no second try.
    const first = addresses.find(({ address }) => isIP(address) === 4) ?? addresses[0];
    if (!first) return { allowed: false, status: 502, reason: `cannot resolve ${host} (no address)` };
    return { allowed: true, address: first.address, reason };
  }

  private async tunnel(request: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    this.tunnels.add(client);
    client.on('error', () => client.destroy());
    client.on('close', () => this.tunnels.delete(client));
    const target = parseAuthority(request.url ?? '');
    const host = target?.host ?? String(request.url).slice(0, 260);
    const port = target?.port ?? 0;
    const decision: Decision = target
      ? await this.decide(host, port)
      : { allowed: false, status: 400, reason: 'malformed CONNECT target' };
    if (!this.report(attemptOf(host, port, 'CONNECT', decision)))
      return refuse(client, 500, 'egress audit failed');
    if (!decision.allowed) return refuse(client, decision.status, decision.reason);
    if (client.destroyed) return;
    const upstream = connect({ host: decision.address, port, timeout: this.timeoutMs });
    let established = false;
    this.tunnels.add(upstream);
    upstream.on('close', () => this.tunnels.delete(upstream));
    upstream.on('timeout', () => upstream.destroy(new Error('connect timed out')));
    upstream.on('error', (error) => {
      if (established) client.destroy();
      else refuse(client, 502, `upstream: ${error.message}`);
    });
    // Half-closes travel through the pipes (the server allows half-open sockets); the client's
    // socket closing for good ends the upstream one.
    client.on('close', () => upstream.destroy());
    upstream.once('connect', () => {
      established = true;
      upstream.setTimeout(0);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  private async forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    request.on('error', () => request.destroy());
    response.on('error', () => response.destroy());
    const url = absoluteHttpUrl(request.url ?? '');
    const host = url ? normalizeHost(url.hostname) : String(request.url).slice(0, 260);
    const port = url ? Number(url.port || 80) : 0;
    const decision: Decision = url
      ? await this.decide(host, port)
      : { allowed: false, status: 400, reason: 'not an absolute http:// request' };
    const method = request.method ?? 'GET';
    if (!this.report(attemptOf(host, port, method, decision)))
      return refuse(response, 500, 'egress audit failed');
    if (!decision.allowed) return refuse(response, decision.status, decision.reason);
    if (request.socket.destroyed || !url) return;
    const headers = { ...endToEndHeaders(request.headers), host: url.host };
    const upstream = httpRequest({
      host: decision.address,
      port,
      method,
      path: `${url.pathname}${url.search}`,
      headers,
      agent: this.agent,
    });
    upstream.on('socket', (socket: Socket) => {
      socket.setTimeout(this.timeoutMs, () => upstream.destroy(new Error('connect timed out')));
      socket.once('connect', () => socket.setTimeout(0));
    });
    upstream.on('error', (error) => {
      if (response.headersSent) response.destroy();
      else refuse(response, 502, `upstream: ${error.message}`);
    });
    upstream.on('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
      answer.pipe(response);
    });
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  }
}

/** The URL of an absolute-form `http://` request target, or null for anything else. */
function absoluteHttpUrl(target: string): URL | null {
  if (!/^http:\/\//i.test(target)) return null;
  try {
    const url = new URL(target);
    return HOST_PATTERN.test(normalizeHost(url.hostname)) ? url : null;
  } catch {
    return null;
  }
}

/** Answers with an error status and a one-line reason, then closes the connection. */
function refuse(client: Duplex | ServerResponse, status: number, reason: string): void {
  if (client instanceof ServerResponse) {
    client.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(`${reason}\n`);
    return;
  }
  if (client.destroyed) return;
  const text =
    { 400: 'Bad Request', 403: 'Forbidden', 500: 'Internal Server Error' }[status] ?? 'Bad Gateway';
  client.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${reason}\n`,
  );
}

function attemptOf(host: string, port: number, method: string, decision: Decision): EgressAttempt {
  const attempt: EgressAttempt = { host, port, method, allowed: decision.allowed, reason: decision.reason };
  if (decision.allowed) attempt.address = decision.address;
  return attempt;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('lookup timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
