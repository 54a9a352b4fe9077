import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AppEnv } from './context.ts';
import type { NativeLane } from './gateway-lane.ts';

export interface RunningServer {
  /** The bound port (useful with port 0). */
  port: number;
  host: string;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to timeoutMs, then closes
   * what is left) and resolves when the socket is closed.
   */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Serves the app over node:http; resolves once listening. Each native lane is offered every request
 * first (in order) and serves the ones it claims; the rest go to the app.
 */
export function startServer(
  app: Hono<AppEnv>,
  host: string,
  port: number,
  lanes: readonly NativeLane[] = [],
): Promise<RunningServer> {
  const createLaneServer = ((options: ServerOptions, listener: RequestListener) =>
    createServer(options, (request, response) => {
      for (const lane of lanes) if (lane(request, response)) return;
      listener(request, response);
    })) as typeof createServer;
  return new Promise((resolve, reject) => {
    let server: ServerType;
    const onError = (error: Error) => reject(error);
    server = serve({ fetch: app.fetch, hostname: host, port, createServer: createLaneServer }, (info) => {
      const http = server as Server;
      http.off('error', onError);
      resolve({
        port: info.port,
        host,
        close: (timeoutMs) =>
          new Promise<void>((done) => {
            // Keep-alive connections become idle as their requests finish; close them as they do,
            // rather than waiting for the keep-alive timeout.
            const sweep = setInterval(() => http.closeIdleConnections(), 50);
            const deadline = setTimeout(() => http.closeAllConnections(), timeoutMs);
            http.close(() => {
              clearInterval(sweep);
              clearTimeout(deadline);
              done();
            });
            http.closeIdleConnections();
          }),
      });
    });
    (server as Server).once('error', onError);
  });
}
