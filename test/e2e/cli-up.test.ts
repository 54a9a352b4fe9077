import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ActlProcess, freePort, runActl, startActl, waitForOk, within } from '../support/cli.ts';
import { agentManifest } from '../support/platform.ts';

const EXAMPLE_AGENTS = [
  'incident-report',
  'secops-triage',
  'support-assistant',
  'triage-react',
  'triage-workflow',
];
const READY_WITHIN_MS = 60_000;
const EXIT_WITHIN_MS = 20_000;
const KEY_PATTERN = /ak_[A-Za-z0-9_-]{16,}/g;

const NamedList = z.object({ items: z.array(z.object({ metadata: z.object({ name: z.string() }) })) });

/** Everything a test started; afterEach kills what is still running and removes the directories. */
const started: ActlProcess[] = [];
const directories: string[] = [];

afterEach(() => {
  for (const running of started.splice(0)) running.kill();
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  directories.push(dir);
  return dir;
}

interface Up {
  process: ActlProcess;
  url: string;
}

/** Starts `actl up --port P --data-dir D` and waits until /readyz answers 200 and the banner is out. */
async function startUp(dataDir: string, options: { env?: Record<string, string>; cwd?: string } = {}) {
  const port = await freePort();
  const actl = startActl(['up', '--port', String(port), '--data-dir', dataDir], {
    env: { ...makeHomeEnv(), ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  started.push(actl);
  const url = `http://127.0.0.1:${port}`;
  const alive = () => actl.child.exitCode === null && actl.child.signalCode === null;
  try {
    await waitForOk(`${url}/readyz`, READY_WITHIN_MS, alive);
    // The banner follows readiness by a moment: wait for its last line.
    const deadline = Date.now() + 10_000;
    while (!actl.stdout().includes('Stop with Ctrl-C') && Date.now() < deadline && alive())
      await new Promise((resolve) => setTimeout(resolve, 50));
  } catch (error) {
    throw new Error(`${(error as Error).message}\nstdout:\n${actl.stdout()}\nstderr:\n${actl.stderr()}`);
  }
  return { process: actl, url } satisfies Up;
}

function makeHomeEnv(): Record<string, string> {
  const home = tempDir('actl-up-home-');
  return { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
}

/** SIGTERM, then the exit code; fails if the process has not exited within 20 s. */
async function stop(up: Up): Promise<number | null> {
  up.process.child.kill('SIGTERM');
  return within(up.process.exited, EXIT_WITHIN_MS, 'actl up after SIGTERM');
}

async function getJson(url: string, key: string): Promise<unknown> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  return response.json();
}

const serverEnv = (up: Up, key: string) => ({ AGENTICAI_SERVER: up.url, AGENTICAI_API_KEY: key });

// Each test starts one or two `actl up` processes; each may take up to READY_WITHIN_MS to be ready.
describe('actl up', { timeout: 180_000 }, () => {
  it('comes up ready with AGENTICAI_BOOTSTRAP_ADMIN_KEY, saves the key, loads the demo, prints export lines and stops on SIGTERM with exit 0', async () => {
    const dataDir = join(tempDir('actl-up-data-'), 'data');
    const workDir = tempDir('actl-up-cwd-');
    const key = `ak_${randomBytes(24).toString('base64url')}`;
    const up = await startUp(dataDir, { env: { AGENTICAI_BOOTSTRAP_ADMIN_KEY: key }, cwd: workDir });

    const whoami = await runActl(['whoami', '-o', 'json'], { env: serverEnv(up, key) });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ principal: 'admin', roles: ['admin'] });

    const keyFile = join(dataDir, 'admin.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);

    const agents = NamedList.parse(await getJson(`${up.url}/api/v1/agents`, key));
    expect(agents.items.map((a) => a.metadata.name).sort()).toEqual(EXAMPLE_AGENTS);

    const stdout = up.process.stdout();
    expect(stdout).toContain(`export AGENTICAI_SERVER=${up.url}`);
    expect(stdout).toMatch(/^\s*export AGENTICAI_API_KEY=/m);
    expect(stdout, 'a key given in the environment is not echoed').not.toContain(key);

    // The export lines work as printed, from the directory actl up was started in.
    const exports = stdout
      .split('\n')
      .filter((line) => /^\s*export AGENTICAI_/.test(line))
      .join('\n');
    const shell = await promisify(execFile)(
      'bash',
      ['-c', `${exports}\nprintf '%s\\n' "$AGENTICAI_SERVER" "$AGENTICAI_API_KEY"`],
      { cwd: workDir },
    );
    expect(shell.stdout.split('\n').slice(0, 2)).toEqual([up.url, key]);

    // No model is configured: the banner says so, and the scenario's workflow still completes,
    // its analysis saying plainly that no model ran (a benign source: nothing to approve).
    expect(stdout).toContain('Model: none configured');
    const input = JSON.stringify({
      alert_id: 'A-1',
      rule: 'vpn-brute-force',
      summary: 'failed logins',
      src_ip: '8.8.8.8',
      dst_ip: '10.20.1.15',
    });
    const ran = await runActl(
      ['run', 'triage-workflow', '--json-input', '--input', input, '--follow', '-o', 'json'],
      {
        env: serverEnv(up, key),
      },
    );
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stdout).toContain('no model analysed this alert');
    expect(ran.stdout).toMatch(/\\?"block_proposed\\?":\s*false/);

    expect(await stop(up)).toBe(0);
  });

  it('prints a generated admin key once, keeps it across a restart and does not duplicate the demo', async () => {
    const dataDir = tempDir('actl-up-data-');
    const first = await startUp(dataDir);
    const printed = first.process.stdout().match(KEY_PATTERN) ?? [];
    expect(printed).toHaveLength(1);
    const key = printed[0] ?? '';
    expect(readFileSync(join(dataDir, 'admin.key'), 'utf8').trim()).toBe(key);
    expect(statSync(join(dataDir, 'admin.key')).mode & 0o777).toBe(0o600);
    expect(first.process.stderr()).not.toContain(key);
    const whoamiFirst = await runActl(['whoami'], { env: serverEnv(first, key) });
    expect(whoamiFirst.code, whoamiFirst.stderr).toBe(0);
    // Without a key in flags, env or config, actl falls back to <data dir>/admin.key.
    const fromKeyFile = await runActl(['whoami'], {
      env: { AGENTICAI_SERVER: first.url, AGENTICAI_DATA_DIR: dataDir },
      cwd: tempDir('actl-up-cwd-'),
    });
    expect(fromKeyFile.code, fromKeyFile.stderr).toBe(0);
    expect(fromKeyFile.stdout).toContain('admin');
    expect(await stop(first)).toBe(0);

    const second = await startUp(dataDir);
    expect(second.process.stdout()).not.toMatch(KEY_PATTERN);
    expect(second.process.stderr()).not.toContain(key);
    expect(second.process.stdout()).toMatch(/^\s*export AGENTICAI_API_KEY=/m);
    expect(readFileSync(join(dataDir, 'admin.key'), 'utf8').trim()).toBe(key);

    const whoami = await runActl(['whoami'], { env: serverEnv(second, key) });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toContain('admin');

    const agents = NamedList.parse(await getJson(`${second.url}/api/v1/agents`, key));
    expect(agents.items.map((a) => a.metadata.name).sort()).toEqual(EXAMPLE_AGENTS);
    const backends = NamedList.parse(await getJson(`${second.url}/api/v1/model-backends`, key));
    expect(backends.items.map((b) => b.metadata.name)).toEqual(['local-vllm']);
    const versions = z
      .object({ items: z.array(z.object({ version: z.number() })) })
      .parse(await getJson(`${second.url}/api/v1/agents/secops-triage/versions`, key));
    expect(versions.items.map((v) => v.version)).toEqual([1]);

    const apply = await runActl(['apply', '-f', 'examples/agents/'], { env: serverEnv(second, key) });
    expect(apply.code, apply.stderr).toBe(0);
    const lines = apply.stdout.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/ unchanged$/);

    expect(await stop(second)).toBe(0);
  });

  it('finishes a request in flight at SIGTERM, then refuses connections and exits 0', async () => {
    const dataDir = tempDir('actl-up-data-');
    const key = `ak_${randomBytes(24).toString('base64url')}`;
    const up = await startUp(dataDir, { env: { AGENTICAI_BOOTSTRAP_ADMIN_KEY: key } });

    // A request whose body is still arriving: the server has its headers (it answers 100 Continue)
    // but cannot finish until the test sends the rest, which it does only once shutdown has begun.
    const body = JSON.stringify({ items: [agentManifest('in-flight')] });
    const split = Math.floor(body.length / 2);
    const { port } = new URL(up.url);
    const inFlight = request({
      host: '127.0.0.1',
      port: Number(port),
      method: 'POST',
      path: '/api/v1/apply',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        expect: '100-continue',
      },
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      inFlight.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      inFlight.on('error', reject);
    });
    await within(new Promise((resolve) => inFlight.once('continue', resolve)), 10_000, '100 Continue');
    inFlight.write(body.slice(0, split));

    up.process.child.kill('SIGTERM');
    await within(
      (async () => {
        while (!up.process.stderr().includes('received SIGTERM'))
          await new Promise((resolve) => setTimeout(resolve, 50));
      })(),
      10_000,
      'the shutdown message',
    );
    inFlight.end(body.slice(split));

    const answer = await within(response, 10_000, 'the in-flight request');
    expect(answer.status, answer.text).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({
      items: [{ kind: 'Agent', name: 'in-flight', action: 'created' }],
    });

    expect(await within(up.process.exited, EXIT_WITHIN_MS, 'actl up after SIGTERM')).toBe(0);
    await expect(fetch(`${up.url}/healthz`)).rejects.toThrow();
  });
});

describe('actl up with bad input', () => {
  it('exits 1 with a message naming the port, and no stack trace, when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const address = blocker.address();
      const port = address !== null && typeof address === 'object' ? address.port : 0;
      const result = await runActl(['up', '--port', String(port), '--data-dir', tempDir('actl-up-data-')]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(String(port));
      expect(result.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('exits 2 (usage) with the problem and no stack trace when --port is not a port number', async () => {
    const dataDir = tempDir('actl-up-data-');
    const result = await runActl(['up', '--port', 'not-a-port', '--data-dir', dataDir]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/port/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
