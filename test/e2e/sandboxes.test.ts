import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AuditRecord,
  RunStep,
  Sandbox,
  SandboxExecResult,
  ToolInvokeResult,
} from '../../src/contracts/index.ts';
import { runActl } from '../support/cli.ts';
import { applyAs, member, policyManifest } from '../support/governance.ts';
import { expectProblem, type SendOptions, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import {
  createAgent,
  createBackend,
  reactAgent,
  runToEnd,
  tenantAdminKey,
  waitUntil,
} from '../support/runs.ts';
import { type ScriptedModelServer, startScriptedModelServer } from '../support/scripted-model-server.ts';

/**
 * Sandboxes through the public surface: the API, `actl sandbox`, the `code_interpreter` tool in a
 * run and as a direct call, egress through the proxy, audit. Real drivers (gVisor where it works,
 * else bubblewrap), chosen by the same probe as production.
 */
const HAS_DRIVER = existsSync('/usr/bin/bwrap') || (existsSync('/usr/bin/runsc') && process.getuid?.() === 0);

let t: TestPlatform;
let model: ScriptedModelServer;
let site: http.Server;
let sitePort: number;

beforeAll(async () => {
  t = await startTestPlatform({ sandboxDriver: 'auto', sandboxPoolSize: 1, workerPollMs: 200 });
  model = await startScriptedModelServer();
  await createBackend(t, 'scripted', model.url, { timeout: '20s' });
  site = http.createServer((_request, response) => response.end('hello from the allowed site'));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  sitePort = (site.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await t?.close();
  await model?.close();
  site?.close();
});

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

async function create(body: object = {}, apiKey?: string): Promise<Sandbox> {
  const reply = await send<Sandbox>('POST', '/api/v1/sandboxes', { body, ...(apiKey ? { apiKey } : {}) });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

async function exec(id: string, body: object, apiKey?: string): Promise<SandboxExecResult> {
  const reply = await send<SandboxExecResult>('POST', `/api/v1/sandboxes/${id}:exec`, {
    body,
    ...(apiKey ? { apiKey } : {}),
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

async function auditOf(action: string, sandboxId: string): Promise<AuditRecord[]> {
  const reply = await send<{ items: AuditRecord[] }>(
    'GET',
    `/api/v1/audit?action=${action}&tool=${sandboxId}&limit=50`,
  );
  expect(reply.status).toBe(200);
  return reply.body.items;
}

describe.skipIf(!HAS_DRIVER)('sandboxes', () => {
  it('names the driver the probe chose, strongest first', async () => {
    const reply = await send<{ driver: string; reason: string }>('GET', '/api/v1/sandboxes:driver');
    expect(reply.status).toBe(200);
    const expected = existsSync('/usr/bin/runsc') && process.getuid?.() === 0 ? 'gvisor' : 'bubblewrap';
    expect(reply.body.driver).toBe(expected);
    expect(reply.body.reason).toMatch(/probe ran in \d+ ms/);
  });

  it('creates a sandbox, runs commands in its workspace as an unprivileged user, and destroys it', async () => {
    const sandbox = await create();
    expect(sandbox.id).toMatch(/^sbx-[a-z2-7]{16}$/);
    expect(sandbox.egress).toEqual([]);

    const written = await exec(sandbox.id, {
      command: [
        'python3',
        '-c',
        'import os,sys; open("note.txt","w").write(sys.stdin.read()); print(os.getuid(), os.getcwd())',
      ],
      stdin: 'kept between execs',
    });
    expect(written).toMatchObject({ outcome: 'completed', exit_code: 0, stdout: '65534 /workspace\n' });
    const read = await exec(sandbox.id, {
      command: ['bash', '-c', 'cat note.txt; exit 3'],
      env: { GREETING: 'hi' },
    });
    expect(read).toMatchObject({ outcome: 'completed', exit_code: 3, stdout: 'kept between execs' });

    const got = await send<Sandbox>('GET', `/api/v1/sandboxes/${sandbox.id}`);
    expect(got.status).toBe(200);
    expect(got.body.stats?.workspace_bytes).toBeGreaterThan(0);
    const listed = await send<{ items: Sandbox[] }>('GET', '/api/v1/sandboxes');
    expect(listed.body.items.map((item) => item.id)).toContain(sandbox.id);

    const audited = await waitUntil(
      () => auditOf('sandbox_exec', sandbox.id),
      (records) => records.length === 2,
      (records) => `${records.length} sandbox_exec records`,
    );
    expect(audited.map((record) => record.decision).sort()).toEqual(['completed', 'completed']);
    expect(JSON.stringify(audited)).not.toContain('kept between execs');

    expect((await send('DELETE', `/api/v1/sandboxes/${sandbox.id}`)).status).toBe(204);
    expectProblem(
      await send('POST', `/api/v1/sandboxes/${sandbox.id}:exec`, { body: { command: ['true'] } }),
      404,
      'NOT_FOUND',
    );
  }, 60_000);

  it('answers a limit with its outcome, not an error, and the sandbox works afterwards', async () => {
    const sandbox = await create({ limits: { timeoutMs: 1500, maxOutputBytes: 4096 } });
    expect(sandbox.pooled).toBe(false);
    const looped = await exec(sandbox.id, { command: ['python3', '-c', 'while True: pass'] });
    expect(looped.outcome).toBe('timeout');
    const flooded = await exec(sandbox.id, { command: ['python3', '-c', 'while True: print("x" * 1000)'] });
    expect(flooded).toMatchObject({ outcome: 'output_truncated', truncated: true });
    expect(flooded.stdout.length).toBeLessThanOrEqual(4096);
    expect(await exec(sandbox.id, { command: ['echo', 'alive'] })).toMatchObject({
      outcome: 'completed',
      stdout: 'alive\n',
    });
    await send('DELETE', `/api/v1/sandboxes/${sandbox.id}`);
  }, 60_000);

  it('rejects bad input with the field at fault and runs nothing', async () => {
    const sandbox = await create();
    const empty = expectProblem(
      await send('POST', `/api/v1/sandboxes/${sandbox.id}:exec`, { body: { command: [] } }),
      400,
      'INVALID_REQUEST',
    );
    expect(empty.errors?.[0]?.pointer).toBe('/command');
    const long = expectProblem(
      await send('POST', `/api/v1/sandboxes/${sandbox.id}:exec`, {
        body: { command: ['true'], timeout_ms: 999_999 },
      }),
      400,
      'INVALID_REQUEST',
    );
    expect(long.detail).toMatch(/may not exceed/);
    const preload = expectProblem(
      await send('POST', `/api/v1/sandboxes/${sandbox.id}:exec`, {
        body: { command: ['true'], env: { HTTPS_PROXY: 'x' } },
      }),
      400,
      'INVALID_REQUEST',
    );
    expect(preload.detail).toMatch(/HTTPS_PROXY/);
    const egress = expectProblem(
      await send('POST', '/api/v1/sandboxes', { body: { egress: ['no port'] } }),
      400,
      'INVALID_REQUEST',
    );
    expect(egress.errors?.[0]?.pointer).toBe('/egress/0');
    const memory = expectProblem(
      await send('POST', '/api/v1/sandboxes', { body: { limits: { memoryBytes: 10 } } }),
      400,
      'INVALID_REQUEST',
    );
    expect(memory.errors?.[0]?.pointer).toBe('/limits/memoryBytes');
    expect(await auditOf('sandbox_exec', sandbox.id)).toEqual([]);
    await send('DELETE', `/api/v1/sandboxes/${sandbox.id}`);
  }, 30_000);

  it('keeps tenants apart and refuses roles without sandboxes:use', async () => {
    const sandbox = await create();
    const tenant = unique('sbx');
    const other = await tenantAdminKey(t, tenant);
    expectProblem(await send('GET', `/api/v1/sandboxes/${sandbox.id}`, { apiKey: other }), 404, 'NOT_FOUND');
    expectProblem(
      await send('POST', `/api/v1/sandboxes/${sandbox.id}:exec`, {
        body: { command: ['true'] },
        apiKey: other,
      }),
      404,
      'NOT_FOUND',
    );
    const viewer = await member(t, tenant, ['viewer']);
    expectProblem(
      await send('POST', '/api/v1/sandboxes', { body: {}, apiKey: viewer.key }),
      403,
      'PERMISSION_DENIED',
    );
    await send('DELETE', `/api/v1/sandboxes/${sandbox.id}`);
  }, 30_000);

  it('lets a sandbox reach only the destinations policy allows, through the proxy, and audits both', async () => {
    const tenant = unique('egress');
    const admin = await tenantAdminKey(t, tenant);
    const rule = `127.0.0.1:${sitePort}`;
    // No policy: egress is denied by default, so asking for it is refused before anything starts.
    const refused = expectProblem(
      await send('POST', '/api/v1/sandboxes', { body: { egress: [rule] }, apiKey: admin }),
      403,
      'PERMISSION_DENIED',
    );
    expect(refused.detail).toContain('sandbox_egress');
    const bad = await send('POST', '/api/v1/apply', {
      apiKey: admin,
      body: {
        items: [
          policyManifest('egress', {
            scopes: [{ tool: 'sandbox_egress', arg: 'destination', values: ['no-port'] }],
          }),
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('/spec/scopes/0/values/0');
    await applyAs(t, admin, [
      policyManifest('egress', { scopes: [{ tool: 'sandbox_egress', arg: 'destination', values: [rule] }] }),
    ]);
    const sandbox = await create({ egress: [rule] }, admin);
    const fetch = (url: string) =>
      exec(
        sandbox.id,
        {
          command: [
            'python3',
            '-c',
            'import sys, urllib.request\ntry:\n  print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())\nexcept Exception as e:\n  print("refused", e); sys.exit(2)',
            url,
          ],
        },
        admin,
      );
    expect(await fetch(`http://${rule}/`)).toMatchObject({
      exit_code: 0,
      stdout: 'hello from the allowed site\n',
    });
    const denied = await fetch(`http://127.0.0.1:${t.platform.port}/api/v1/sandboxes`);
    expect(denied.exit_code).toBe(2);
    expect(denied.stdout).toMatch(/refused.*403/);
    const attempts = await waitUntil(
      async () => {
        const reply = await send<{ items: AuditRecord[] }>(
          'GET',
          `/api/v1/audit?action=sandbox_egress&tool=${sandbox.id}&limit=50`,
          { apiKey: admin },
        );
        return reply.body.items;
      },
      (records) => records.length === 2,
      (records) => `${records.length} egress records`,
    );
    expect(attempts.map((record) => record.decision).sort()).toEqual(['allow', 'deny']);
    await send('DELETE', `/api/v1/sandboxes/${sandbox.id}`, { apiKey: admin });
  }, 60_000);

  it('runs code_interpreter in one sandbox per run, keeps files between calls, and destroys it when the run ends', async () => {
    const agent = unique('coder');
    await createAgent(t, reactAgent(agent, 'scripted', { tools: ['code_interpreter'] }));
    model.enqueue(
      {
        toolCalls: [
          {
            name: 'code_interpreter',
            arguments: {
              language: 'python',
              code: 'open("result.txt", "w").write(str(6 * 7))\nprint("saved")',
            },
          },
        ],
      },
      {
        toolCalls: [
          {
            name: 'code_interpreter',
            arguments: {
              language: 'bash',
              code: 'echo "answer=$(cat result.txt)"',
              outputFiles: ['result.txt'],
            },
          },
        ],
      },
      {
        toolCalls: [
          { name: 'code_interpreter', arguments: { language: 'javascript', code: 'process.exit(4)' } },
        ],
      },
      { content: 'The answer is 42.' },
    );
    const run = await runToEnd(t, agent, { input: 'compute' });
    expect(run.status).toBe('completed');
    const steps = await send<{ items: RunStep[] }>('GET', `/api/v1/runs/${run.id}/steps`);
    const results = steps.body.items
      .filter((step) => step.kind === 'tool_call')
      .map((step) => step.output as { content: { text: string }[]; isError: boolean });
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ isError: false });
    expect(results[0]?.content[0]?.text).toContain('saved');
    expect(results[1]?.content[0]?.text).toContain('answer=42');
    expect(results[1]?.content[0]?.text).toContain('file result.txt:\n42');
    expect(results[2]).toMatchObject({ isError: true });
    expect(results[2]?.content[0]?.text).toContain('exit code: 4');
    // The run's sandbox goes with the run.
    await waitUntil(
      () => send<{ items: Sandbox[] }>('GET', '/api/v1/sandboxes'),
      (reply) => !reply.body.items.some((item) => item.run_id === run.id),
      () => 'the run sandbox still exists',
    );
  }, 90_000);

  it('runs code_interpreter as a direct call in a sandbox of its own', async () => {
    const reply = await send<ToolInvokeResult>('POST', '/api/v1/tools/code_interpreter:invoke', {
      body: {
        arguments: {
          language: 'python',
          code: 'import os\nprint(sum(range(10)), os.path.exists("/etc/shadow"))',
        },
      },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.isError).toBe(false);
    expect(JSON.stringify(reply.body.content)).toContain('45 False');
    const bad = await send<ToolInvokeResult>('POST', '/api/v1/tools/code_interpreter:invoke', {
      body: { arguments: { language: 'cobol', code: 'x' } },
    });
    expect(bad.status).toBe(400);
  }, 30_000);

  it('runs a registered type: sandbox tool: its script gets the arguments on stdin, in a sandbox per call', async () => {
    const name = unique('adder');
    const manifest = (config: object) => ({
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'Tool',
      metadata: { name },
      spec: {
        type: 'sandbox',
        description: 'Adds two numbers',
        parameters: {
          type: 'object',
          properties: { a: { type: 'number' }, b: { type: 'number' } },
          required: ['a', 'b'],
          additionalProperties: false,
        },
        config,
      },
    });
    const wrong = await send('POST', '/api/v1/apply', {
      body: { items: [manifest({ language: 'cobol', code: 'x' })] },
    });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body)).toContain('/spec/config/language');
    await applyAs(t, t.adminKey, [
      manifest({
        language: 'python',
        code: 'import json, os, sys\nargs = json.load(sys.stdin)\nprint(json.dumps({"sum": args["a"] + args["b"], "shadow": os.path.exists("/etc/shadow")}))',
      }),
    ]);
    const tool = await send<{ type: string }>('GET', `/api/v1/tools/${name}`);
    expect(tool.body.type).toBe('sandbox');
    const called = await send<ToolInvokeResult & { structured?: unknown }>(
      'POST',
      `/api/v1/tools/${name}:invoke`,
      {
        body: { arguments: { a: 2, b: 40 } },
      },
    );
    expect(called.status, JSON.stringify(called.body)).toBe(200);
    expect(called.body.isError).toBe(false);
    expect(JSON.stringify(called.body.content)).toContain('{\\"sum\\": 42, \\"shadow\\": false}');
    const invalid = await send('POST', `/api/v1/tools/${name}:invoke`, { body: { arguments: { a: 'two' } } });
    expect(invalid.status).toBe(400);
  }, 30_000);

  it('actl apply inlines a sandbox tool script from codeFile, relative to the manifest', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sandbox-tool-'));
    try {
      const name = unique('shout');
      writeFileSync(
        join(folder, 'shout.py'),
        'import json, sys\nprint(json.load(sys.stdin)["text"].upper())\n',
      );
      writeFileSync(
        join(folder, 'tool.yaml'),
        `apiVersion: agenticai.dev/v1alpha1\nkind: Tool\nmetadata: {name: ${name}}\nspec:\n  type: sandbox\n  description: Shouts\n  parameters: {type: object, properties: {text: {type: string}}, required: [text]}\n  config: {language: python, codeFile: shout.py}\n`,
      );
      const env = { AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: t.adminKey };
      const applied = await runActl(['apply', '-f', join(folder, 'tool.yaml')], { env });
      expect(applied.code, applied.stderr).toBe(0);
      const called = await runActl(['tools', 'invoke', name, '--args', '{"text": "quiet please"}'], { env });
      expect(called.code, called.stderr).toBe(0);
      expect(called.stdout).toContain('QUIET PLEASE');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 30_000);

  it('drives sandboxes from actl: create, exec with the exit code, a limit as non-zero, rm', async () => {
    const env = { AGENTICAI_SERVER: t.url, AGENTICAI_API_KEY: t.adminKey };
    const created = await runActl(['sandbox', 'create', '-o', 'json'], { env });
    expect(created.code, created.stderr).toBe(0);
    const { id, driver } = JSON.parse(created.stdout) as Sandbox;
    expect(['gvisor', 'bubblewrap']).toContain(driver);
    const ok = await runActl(['sandbox', 'exec', id, '--', 'python3', '-c', 'print("hi from", "inside")'], {
      env,
    });
    expect(ok).toMatchObject({ code: 0, stdout: 'hi from inside\n' });
    const failed = await runActl(['sandbox', 'exec', id, '--', 'bash', '-c', 'echo oops >&2; exit 5'], {
      env,
    });
    expect(failed.code).toBe(5);
    expect(failed.stderr).toContain('oops');
    const timed = await runActl(['sandbox', 'exec', id, '--timeout', '1s', '--', 'sleep', '10'], { env });
    expect(timed.code).toBe(124);
    expect(timed.stderr).toContain('timeout');
    const named = await runActl(['sandbox', 'create', '-o', 'name'], { env });
    expect(named.stdout).toMatch(/^sbx-[a-z2-7]{16}\n$/);
    expect((await runActl(['sandbox', 'rm', named.stdout.trim()], { env })).code).toBe(0);
    const removed = await runActl(['sandbox', 'rm', id], { env });
    expect(removed).toMatchObject({ code: 0, stdout: `sandbox/${id} deleted\n` });
    const gone = await runActl(['sandbox', 'exec', id, '--', 'true'], { env });
    expect(gone.code).toBe(3);
  }, 60_000);
});

describe('without a sandbox driver', () => {
  let off: TestPlatform;
  beforeAll(async () => {
    off = await startTestPlatform({ sandboxDriver: 'none' });
  }, 60_000);
  afterAll(async () => off?.close());

  it('refuses code execution clearly: 503 from the API, an error result from the tool, never the host', async () => {
    const created = await sendTo(off, 'POST', '/api/v1/sandboxes', { body: {} });
    const problem = expectProblem(created, 503, 'UNAVAILABLE');
    expect(problem.detail).toMatch(/code execution is disabled/);
    const invoked = await sendTo<ToolInvokeResult>(off, 'POST', '/api/v1/tools/code_interpreter:invoke', {
      body: { arguments: { language: 'bash', code: 'touch /tmp/ran-on-host' } },
    });
    expect(invoked.status).toBe(200);
    expect(invoked.body.isError).toBe(true);
    expect(JSON.stringify(invoked.body.content)).toMatch(/code execution is disabled/);
    expect(existsSync('/tmp/ran-on-host')).toBe(false);
  }, 30_000);
});
