import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgenticClient } from '../../src/contracts/index.ts';
import {
  type Config,
  loadConfig,
  type Platform,
  type PlatformOptions,
  startPlatform,
} from '../../src/main.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL, uniqueSchema } from './env.ts';
import { dangerouslyDropSchema } from './store.ts';

export interface TestPlatform {
  platform: Platform;
  url: string;
  adminKey: string;
  dataDir: string;
  client(apiKey?: string): AgenticClient;
  /** Raw HTTP for the cases the typed client would refuse to send. */
  request(
    method: string,
    path: string,
    options?: { body?: string | object; apiKey?: string | null; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A real platform on a random port: PGlite in a temp dir, or (integration) a fresh schema in the
 * Postgres server and the Redis server.
 */
export async function startTestPlatform(
  overrides: Partial<Config> = {},
  options: PlatformOptions = {},
): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-test-'));
  const adminKey = `ak_${randomBytes(24).toString('base64url')}`;
  const schema = TEST_DATABASE_URL ? uniqueSchema() : undefined;
  const config = {
    ...loadConfig({
      flags: {
        port: 0,
        dataDir,
        bootstrapAdminKey: adminKey,
        logLevel: 'silent',
        // Sandboxes are probed and pooled only by the tests that use them (they override this).
        sandboxDriver: 'none',
        ...(TEST_DATABASE_URL ? { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema } : {}),
        ...(TEST_REDIS_URL ? { redisUrl: TEST_REDIS_URL } : {}),
      },
    }),
    ...overrides,
  };
  const platform = await startPlatform(config, options);
  const url = platform.url;
  return {
    platform,
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
    close: async () => {
      await platform.close();
      if (TEST_DATABASE_URL && schema) await dangerouslyDropSchema(TEST_DATABASE_URL, schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const agentManifest = (
  name: string,
  overrides: { temperature?: number; labels?: Record<string, string>; prompt?: string } = {},
) => ({
  apiVersion: 'agenticai.dev/v1alpha1',
  kind: 'Agent',
  metadata: { name, labels: overrides.labels ?? { team: 'test' } },
  spec: {
    model: { backend: 'local', name: 'test-model', temperature: overrides.temperature ?? 0 },
    systemPrompt: overrides.prompt ?? 'You are a test agent.',
    runtime: 'react',
  },
});
