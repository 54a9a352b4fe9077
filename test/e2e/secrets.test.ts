import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Secret } from '../../src/contracts/index.ts';
import { type ActlPlatform, startActlPlatform } from '../support/actl-platform.ts';
import { runActl } from '../support/cli.ts';
import { TEST_DATABASE_URL } from '../support/env.ts';
import { expectProblem, type SendOptions, sendTo } from '../support/http.ts';
import type { TestPlatform } from '../support/platform.ts';

/**
 * Secrets through a real `actl serve` at debug log level: write-only through the API and the
 * CLI, sealed at rest, audited by name, and the value never in a response, a log line or an audit
 * record — grepped for everywhere.
 */
const VALUE = 'sk-live-7Hq2Zp9RwX4mTn8Kc3Vb';
const OTHER_VALUE = 'pw-second-Jx81LmQ0';

let server: ActlPlatform;
let t: TestPlatform;

beforeAll(async () => {
  server = await startActlPlatform({ prefix: 'secrets', env: { AGENTICAI_LOG_LEVEL: 'debug' } });
  t = server.t;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);
const env = () => ({ AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: t.adminKey });

describe('secrets', { timeout: 90_000 }, () => {
  it('stores a secret and shows its key names, never its values', async () => {
    const put = await send<Secret>('PUT', '/api/v1/secrets/threat-intel', {
      body: { data: { apiKey: VALUE, user: 'soc-bot' }, labels: { team: 'soc' } },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      name: 'threat-intel',
      keys: ['apiKey', 'user'],
      version: 1,
      labels: { team: 'soc' },
    });
    const got = await send<Secret>('GET', '/api/v1/secrets/threat-intel');
    const listed = await send<Page<Secret>>('GET', '/api/v1/secrets');
    for (const reply of [put, got, listed]) expect(JSON.stringify(reply.body)).not.toContain(VALUE);
    expect(listed.body.items.map((secret) => secret.name)).toContain('threat-intel');
  });

  it('sets, lists and deletes through actl, reading values from literals and the environment', async () => {
    const set = await runActl(
      [
        'secrets',
        'set',
        'db-creds',
        '--from-literal',
        `password=${OTHER_VALUE}`,
        '--from-env',
        'token=DB_TOKEN',
      ],
      { env: { ...env(), DB_TOKEN: 'tok-from-env-991' } },
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('secret/db-creds stored (keys: password, token; version 1)');
    const listed = await runActl(['get', 'secrets'], { env: env() });
    expect(listed.stdout).toMatch(/db-creds\s+password,token\s+1/);
    expect(listed.stdout).not.toContain(OTHER_VALUE);
    const deleted = await runActl(['secrets', 'delete', 'db-creds'], { env: env() });
    expect(deleted.code).toBe(0);
    expect((await send('GET', '/api/v1/secrets/db-creds')).status).toBe(404);
  });

  it('answers bad input with the field at fault and writes nothing', async () => {
    expectProblem(await send('PUT', '/api/v1/secrets/empty', { body: { data: {} } }), 400, 'INVALID_REQUEST');
    const big = await send('PUT', '/api/v1/secrets/huge', { body: { data: { v: 'x'.repeat(70_000) } } });
    expect(expectProblem(big, 400, 'INVALID_REQUEST').errors?.[0]?.pointer).toBe('/data/v');
    expectProblem(
      await send('PUT', '/api/v1/secrets/Bad_Name', { body: { data: { v: 'x' } } }),
      400,
      'INVALID_REQUEST',
    );
    expect((await send('GET', '/api/v1/secrets/empty')).status).toBe(404);
    const usage = await runActl(['secrets', 'set', 'nothing'], { env: env() });
    expect(usage.code).toBe(2);
  });

  it('lets a viewer read nothing and a developer read names but not write', async () => {
    for (const [name, role] of [
      ['viewer-1', 'viewer'],
      ['dev-1', 'developer'],
    ] as const) {
      await send('POST', '/api/v1/principals', { body: { name, roles: [role] } });
    }
    const key = async (principal: string) =>
      (await send<{ key: string }>('POST', '/api/v1/api-keys', { body: { principal, name: 'k' } })).body.key;
    const viewer = await key('viewer-1');
    const developer = await key('dev-1');
    expectProblem(await send('GET', '/api/v1/secrets', { apiKey: viewer }), 403, 'PERMISSION_DENIED');
    expect((await send('GET', '/api/v1/secrets', { apiKey: developer })).status).toBe(200);
    expectProblem(
      await send('PUT', '/api/v1/secrets/x', { apiKey: developer, body: { data: { v: 'x' } } }),
      403,
      'PERMISSION_DENIED',
    );
    expectProblem(
      await send('POST', '/api/v1/secrets:rotate-key', { apiKey: developer }),
      403,
      'PERMISSION_DENIED',
    );
  });

  it('rotates the platform key: every secret is sealed anew, and tools still get their values', async () => {
    const keyFile = join(t.dataDir, 'secret.key');
    const before = TEST_DATABASE_URL ? null : readFileSync(keyFile, 'utf8');
    if (!TEST_DATABASE_URL) expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const rotated = await runActl(['secrets', 'rotate-key'], { env: env() });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(
      /\d+ secret\(s\) re-encrypted under key [0-9a-f]{16} \(new key file written\)/,
    );
    if (before !== null) expect(readFileSync(keyFile, 'utf8')).not.toBe(before);
    // The value still reaches a tool that needs it: an echo tool whose secret goes in a header.
    const applied = await t.request('POST', '/api/v1/apply', {
      body: {
        items: [
          {
            apiVersion: 'agenticai.dev/v1alpha1',
            kind: 'Tool',
            metadata: { name: 'needs-secret' },
            spec: {
              type: 'http',
              description: 'calls the platform itself with the secret as its API key (refused: 401)',
              config: { endpoint: `${t.url}/api/v1/whoami`, method: 'GET', internal: true },
              authentication: { type: 'bearer', secretRef: { name: 'threat-intel', key: 'apiKey' } },
            },
          },
        ],
      },
    });
    expect(applied.status).toBe(200);
    const reply = await send<{ content: Array<{ text: string }>; isError: boolean }>(
      'POST',
      '/api/v1/tools/needs-secret:invoke',
      { body: {} },
    );
    // The platform refused the (made-up) key with 401: proof that the value was sent, unreadable here.
    expect(reply.body.isError).toBe(true);
    expect(reply.body.content[0]?.text).toMatch(/HTTP 401/);
  });

  it('records secret writes in the audit log by name only', async () => {
    const audit = await t.request('GET', '/api/v1/audit/export?action=admin_change');
    const text = await audit.text();
    expect(text).toContain('/api/v1/secrets/threat-intel');
    expect(text).not.toContain(VALUE);
    expect(text).not.toContain(OTHER_VALUE);
  });

  it('never writes a value to the process log, at debug level', () => {
    const output = server.output();
    expect(output).toContain('"level"');
    expect(output.includes(VALUE)).toBe(false);
    expect(output.includes(OTHER_VALUE)).toBe(false);
    expect(output.includes('tok-from-env-991')).toBe(false);
  });
});
