import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActlProcess, freePort, startActl, waitForOk } from '../support/cli.ts';
import { type CountingService, startCountingService } from '../support/counting-service.ts';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/env.ts';
import { type ScriptedModelServer, startScriptedModelServer } from '../support/scripted-model-server.ts';
import { dangerouslyDropSchema } from '../support/store.ts';

/**
 * Crash recovery with real processes: SIGKILL the process running a run while a tool call is in
 * flight and while it waits on the model, start a new one, and check what was called again.
 * Embedded (PGlite, `actl up` killed and restarted on the same data dir) and, under the
 * integration suite, PostgreSQL (`actl serve` without workers plus an `actl worker` that is killed
 * and replaced).
 */

const KEY = 'ak_crash_test_0123456789abcdefghij';
const FAST_LEASE = {
  AGENTICAI_WORKER_LEASE_MS: '1500',
  AGENTICAI_WORKER_POLL_MS: '200',
  AGENTICAI_LOG_LEVEL: 'warn',
};

interface Deployment {
  url: string;
  /** SIGKILLs whatever runs the runs, and starts a replacement. */
  crashAndRestart(): Promise<void>;
  stop(): Promise<void>;
}

async function request(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function waitForRun(url: string, id: string, statuses: string[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await request(url, 'GET', `/api/v1/runs/${id}`);
    if (statuses.includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`run ${id} is ${body.status}, not ${statuses.join('|')}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

function agents(model: ScriptedModelServer) {
  const workflow = (name: string, tool: object) => ({
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'Agent',
    metadata: { name },
    spec: {
      model: { backend: 'scripted', name: 'm' },
      runtime: 'workflow',
      tools: [tool, 'echo'],
      workflow: {
        nodes: [
          {
            id: 'call',
            type: 'tool',
            tool: 'http_request',
            args: { url: '${input.url}', method: '${input.method}' },
            next: 'done',
          },
          { id: 'done', type: 'tool', tool: 'echo', args: { text: 'done' } },
        ],
        output: '${nodes.done.output.text}',
      },
    },
  });
  return [
    {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'ModelBackend',
      metadata: { name: 'scripted' },
      spec: { type: 'openai-compatible', endpoint: model.url, models: ['m'], timeout: '30s' },
    },
    workflow('safe-caller', { name: 'http_request', config: { idempotent: true, internal: true } }),
    workflow('unsafe-caller', { name: 'http_request', config: { internal: true } }),
    {
      apiVersion: 'agenticai.dev/v1alpha1',
      kind: 'Agent',
      metadata: { name: 'thinker' },
      spec: { model: { backend: 'scripted', name: 'm' }, runtime: 'react' },
    },
  ];
}

function crashSuite(name: string, deploy: () => Promise<Deployment>) {
  describe(name, () => {
    let deployment: Deployment;
    let service: CountingService;
    let model: ScriptedModelServer;

    beforeAll(async () => {
      service = await startCountingService();
      model = await startScriptedModelServer();
      deployment = await deploy();
      const applied = await request(deployment.url, 'POST', '/api/v1/apply', {
        items: agents(model),
      });
      expect(applied.status).toBe(200);
    }, 120_000);

    afterAll(async () => {
      await deployment?.stop();
      await service?.close();
      await model?.close();
    });

    it('re-runs an idempotent tool call with the same key, keeps a non-idempotent one in doubt, and repeats the model call after a crash', async () => {
      model.enqueue({ hang: true });
      model.enqueue({ content: 'thought it through' });
      const thinker = await request(deployment.url, 'POST', '/api/v1/agents/thinker/runs', {
        input: 'think',
      });
      const safe = await request(deployment.url, 'POST', '/api/v1/agents/safe-caller/runs', {
        input: { url: `${service.url}/hold/safe`, method: 'PUT' },
      });
      const unsafe = await request(deployment.url, 'POST', '/api/v1/agents/unsafe-caller/runs', {
        input: { url: `${service.url}/hold/unsafe`, method: 'POST' },
      });
      expect([thinker.status, safe.status, unsafe.status]).toEqual([201, 201, 201]);

      // Everything is in flight: both tool calls reached the service, the model call the model.
      await service.waitForCalls('/hold/safe', 1);
      await service.waitForCalls('/hold/unsafe', 1);
      const deadline = Date.now() + 30_000;
      while (model.requests.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(model.requests.length).toBe(1);

      await deployment.crashAndRestart();

      const safeRun = await waitForRun(deployment.url, safe.body.id, ['completed', 'failed']);
      expect(safeRun.status).toBe('completed');
      const safeCalls = service.calls.filter((c) => c.path === '/hold/safe');
      expect(safeCalls).toHaveLength(2);
      expect(safeCalls[0]?.idempotencyKey).toBe(`${safe.body.id}:node:call`);
      expect(safeCalls[1]?.idempotencyKey).toBe(safeCalls[0]?.idempotencyKey);

      const unsafeRun = await waitForRun(deployment.url, unsafe.body.id, ['paused', 'completed', 'failed']);
      expect(unsafeRun.status).toBe('paused');
      expect(unsafeRun.status_reason).toBe('in_doubt');
      expect(service.count('/hold/unsafe')).toBe(1);

      const thinkerRun = await waitForRun(deployment.url, thinker.body.id, ['completed', 'failed']);
      expect(thinkerRun.status).toBe('completed');
      expect(thinkerRun.output).toBe('thought it through');
      expect(model.requests).toHaveLength(2);
      expect(model.requests[1]?.headers['idempotency-key']).toBe(
        model.requests[0]?.headers['idempotency-key'],
      );

      // The operator decides: skip the call in doubt. The run finishes without calling again.
      const resolved = await request(deployment.url, 'POST', `/api/v1/runs/${unsafe.body.id}:resolve`, {
        action: 'skip',
      });
      expect(resolved.status).toBe(200);
      const skipped = await waitForRun(deployment.url, unsafe.body.id, ['completed', 'failed']);
      expect(skipped.status).toBe('completed');
      expect(service.count('/hold/unsafe')).toBe(1);
      const steps = await request(deployment.url, 'GET', `/api/v1/runs/${unsafe.body.id}/steps`);
      expect(steps.body.items[0]).toMatchObject({ key: 'node:call', status: 'completed', output: null });
      // The in-doubt approval records the same decision.
      const approvals = await request(deployment.url, 'GET', `/api/v1/approvals?run=${unsafe.body.id}`);
      expect(approvals.body.items).toMatchObject([
        { kind: 'in_doubt', status: 'rejected', decisions: [{ decision: 'reject' }] },
      ]);
    }, 180_000);

    it('calls a non-idempotent tool again only when the operator says retry', async () => {
      const run = await request(deployment.url, 'POST', '/api/v1/agents/unsafe-caller/runs', {
        input: { url: `${service.url}/hold/retried`, method: 'POST' },
      });
      await service.waitForCalls('/hold/retried', 1);
      await deployment.crashAndRestart();
      const paused = await waitForRun(deployment.url, run.body.id, ['paused', 'completed', 'failed']);
      expect(paused.status_reason).toBe('in_doubt');
      expect(service.count('/hold/retried')).toBe(1);

      // Decided through the approvals API: approve means run it again.
      const approvals = await request(
        deployment.url,
        'GET',
        `/api/v1/approvals?run=${run.body.id}&status=pending`,
      );
      expect(approvals.body.items).toMatchObject([
        { kind: 'in_doubt', tool: 'http_request', step: 'node:call' },
      ]);
      const approved = await request(
        deployment.url,
        'POST',
        `/api/v1/approvals/${approvals.body.items[0].id}:approve`,
        { comment: 'the service saw nothing' },
      );
      expect(approved.status).toBe(200);
      const done = await waitForRun(deployment.url, run.body.id, ['completed', 'failed']);
      expect(done.status).toBe('completed');
      expect(service.count('/hold/retried')).toBe(2);
      const steps = await request(deployment.url, 'GET', `/api/v1/runs/${run.body.id}/steps`);
      expect(steps.body.items[0]).toMatchObject({ key: 'node:call', status: 'completed', attempt: 2 });
    }, 180_000);
  });
}

crashSuite('crash recovery, embedded (actl up on PGlite)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-crash-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...FAST_LEASE, AGENTICAI_BOOTSTRAP_ADMIN_KEY: KEY };
  const args = ['up', '--port', String(port), '--data-dir', dataDir];
  let proc: ActlProcess = startActl(args, { env });
  await waitForOk(`${url}/readyz`, 60_000, () => proc.child.exitCode === null);
  return {
    url,
    crashAndRestart: async () => {
      proc.kill();
      await proc.exited;
      proc = startActl(args, { env });
      await waitForOk(`${url}/readyz`, 60_000, () => proc.child.exitCode === null);
    },
    stop: async () => {
      proc.kill();
      await proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

describe.skipIf(!TEST_DATABASE_URL)('with PostgreSQL', () => {
  crashSuite('crash recovery, team setup (actl serve + actl worker on PostgreSQL)', async () => {
    const databaseUrl = TEST_DATABASE_URL as string;
    const schema = uniqueSchema('crash');
    const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-crash-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      ...FAST_LEASE,
      AGENTICAI_BOOTSTRAP_ADMIN_KEY: KEY,
      DATABASE_URL: databaseUrl,
      AGENTICAI_DATABASE_SCHEMA: schema,
    };
    const api = startActl(['serve', '--port', String(port), '--data-dir', dataDir], {
      env: { ...env, AGENTICAI_WORKERS: 'false' },
    });
    await waitForOk(`${url}/readyz`, 60_000, () => api.child.exitCode === null);
    let worker = startActl(['worker', '--data-dir', dataDir], { env });
    return {
      url,
      crashAndRestart: async () => {
        worker.kill();
        await worker.exited;
        worker = startActl(['worker', '--data-dir', dataDir], { env });
      },
      stop: async () => {
        worker.kill();
        api.kill();
        await Promise.all([worker.exited, api.exited]);
        await dangerouslyDropSchema(databaseUrl, schema);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  });
});
