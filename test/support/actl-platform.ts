import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgenticClient } from '../../src/contracts/index.ts';
import type { Platform } from '../../src/main.ts';
import { type ActlProcess, freePort, startActl, waitForOk, within } from './cli.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL, uniqueSchema } from './env.ts';
import type { TestPlatform } from './platform.ts';
import { dangerouslyDropSchema } from './store.ts';

/**
 * A platform running as a real `bin/actl` child process, seen through the same `TestPlatform`
 * shape the in-process helpers (sendTo, startRun, waitForStatus, isolatedTenant…) take. It has no
 * in-process `platform` handle: reading it throws.
 */
export function remotePlatform(url: string, adminKey: string, dataDir = ''): TestPlatform {
  return {
    get platform(): Platform {
      throw new Error(`the platform at ${url} is a child process: it has no in-process handle`);
    },
    url,
    adminKey,
    dataDir,
    client: (apiKey = adminKey) => new AgenticClient({ baseUrl: url, apiKey }),
    request: (method, path, options = {}) => {
      const headers: Record<string, string> = { ...options.headers };
      const key = options.apiKey === undefined ? adminKey : options.apiKey;
      if (key) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(url + path, { method, headers, body });
    },
    close: async () => undefined,
  };
}

/** The store a child uses: PGlite in its data dir, or (integration) a schema on the Postgres server. */
export interface ChildStore {
  /** Environment for the child: DATABASE_URL, AGENTICAI_DATABASE_SCHEMA and REDIS_URL when set. */
  env: Record<string, string>;
  schema: string | undefined;
  /** Drops the schema (Postgres only); destroys its data. */
  drop(): Promise<void>;
}

export function childStore(prefix: string): ChildStore {
  const schema = TEST_DATABASE_URL ? uniqueSchema(prefix) : undefined;
  return {
    schema,
    env: {
      ...(TEST_DATABASE_URL && schema
        ? { DATABASE_URL: TEST_DATABASE_URL, AGENTICAI_DATABASE_SCHEMA: schema }
        : {}),
      ...(TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}),
    },
    drop: async () => {
      if (TEST_DATABASE_URL && schema) await dangerouslyDropSchema(TEST_DATABASE_URL, schema);
    },
  };
}

export interface ActlPlatform {
  t: TestPlatform;
  process: ActlProcess;
  /** Everything the process wrote so far, stdout then stderr. */
  output(): string;
  /** SIGTERM and wait for the exit (SIGKILL after 20 s); then drops its store and data dir. */
  stop(): Promise<void>;
}

export interface ActlPlatformOptions {
  /** `up` (API, workers, demo, banner) or `serve` (API and workers). Default serve. */
  command?: 'up' | 'serve';
  env?: Record<string, string>;
  /** A schema name prefix for the Postgres store. */
  prefix?: string;
}

/** Starts `bin/actl up|serve` on a free port with a fresh store and waits until it is ready. */
export async function startActlPlatform(options: ActlPlatformOptions = {}): Promise<ActlPlatform> {
  const command = options.command ?? 'serve';
  const store = childStore(options.prefix ?? 'actl');
  const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-child-'));
  const home = mkdtempSync(join(tmpdir(), 'agenticai-child-home-'));
  const adminKey = `ak_${randomBytes(24).toString('base64url')}`;
  const port = await freePort();
  const actl = startActl([command, '--port', String(port), '--data-dir', dataDir], {
    env: {
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      AGENTICAI_BOOTSTRAP_ADMIN_KEY: adminKey,
      ...store.env,
      ...options.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const alive = () => actl.child.exitCode === null && actl.child.signalCode === null;
  const output = () => `${actl.stdout()}\n${actl.stderr()}`;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (alive()) actl.child.kill('SIGTERM');
      await within(actl.exited, 20_000, `actl ${command} after SIGTERM`).catch(() => {
        actl.kill();
        return actl.exited;
      });
      await store.drop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    await waitForOk(`${url}/readyz`, 60_000, alive);
    if (command === 'up') {
      // The banner follows readiness by a moment.
      const deadline = Date.now() + 10_000;
      while (!actl.stdout().includes('Stop with Ctrl-C') && Date.now() < deadline && alive())
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\noutput:\n${output()}`);
  }
  return { t: remotePlatform(url, adminKey, dataDir), process: actl, output, stop };
}
