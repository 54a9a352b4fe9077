import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActlProcess, freePort, startActl, waitForOk } from '../support/cli.ts';
import { type CountingService, startCountingService } from '../support/counting-service.ts';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/env.ts';
import { dangerouslyDropSchema } from '../support/store.ts';

/**
 * The team setup as real processes on one PostgreSQL: two API replicas without workers and two
 * workers. Runs started on replica A complete exactly once; a client following runs on replica B
 * sees every event, in order.
 */
const KEY = 'ak_replicas_0123456789abcdefghijkl';
const RUNS = 200;

async function call(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Reads a run's SSE stream to its end and returns the events (id, type) in arrival order. */
async function follow(url: string, runId: string): Promise<Array<{ id: number; type: string }>> {
  const response = await fetch(`${url}/api/v1/runs/${runId}/events`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  const text = await response.text();
  return text
    .split('\n\n')
    .map((block) => ({
      id: Number(/^id: (\d+)$/m.exec(block)?.[1]),
      type: /^event: (\w+)$/m.exec(block)?.[1] ?? '',
    }))
    .filter((event) => event.type !== '');
}

describe.skipIf(!TEST_DATABASE_URL)('two API replicas and two workers on PostgreSQL', () => {
  const schema = uniqueSchema('replicas');
  const dataDir = mkdtempSync(join(tmpdir(), 'agenticai-replicas-'));
  const processes: ActlProcess[] = [];
  let service: CountingService;
  let apiA = '';
  let apiB = '';

  beforeAll(async () => {
    service = await startCountingService();
    const env = {
      AGENTICAI_BOOTSTRAP_ADMIN_KEY: KEY,
      DATABASE_URL: TEST_DATABASE_URL as string,
      AGENTICAI_DATABASE_SCHEMA: schema,
      AGENTICAI_LOG_LEVEL: 'warn',
      AGENTICAI_WORKER_CONCURRENCY: '32',
    };
    const [portA, portB] = [await freePort(), await freePort()];
    apiA = `http://127.0.0.1:${portA}`;
    apiB = `http://127.0.0.1:${portB}`;
    // All four start at once on a fresh schema: migrations and bootstrap must cope.
    for (const port of [portA, portB]) {
      processes.push(
        startActl(['serve', '--port', String(port), '--data-dir', dataDir], {
          env: { ...env, AGENTICAI_WORKERS: 'false' },
        }),
      );
    }
    processes.push(
      startActl(['worker', '--data-dir', dataDir], { env }),
      startActl(['worker', '--data-dir', dataDir], { env }),
    );
    await waitForOk(`${apiA}/readyz`, 60_000);
    await waitForOk(`${apiB}/readyz`, 60_000);
    const applied = await call(apiA, 'POST', '/api/v1/apply', {
      items: [
        {
          apiVersion: 'agenticai.dev/v1alpha1',
          kind: 'Agent',
          metadata: { name: 'pinger' },
          spec: {
            model: { backend: 'none', name: 'none' },
            runtime: 'workflow',
            tools: ['echo', { name: 'http_request', config: { idempotent: true, internal: true } }],
            workflow: {
              nodes: [
                { id: 'hello', type: 'tool', tool: 'echo', args: { text: 'run ${input.n}' }, next: 'ping' },
                {
                  id: 'ping',
                  type: 'tool',
                  tool: 'http_request',
                  args: { url: '${input.url}', method: 'PUT' },
                  next: 'bye',
                },
                { id: 'bye', type: 'tool', tool: 'echo', args: { text: 'done ${input.n}' } },
              ],
              output: '${nodes.bye.output.text}',
            },
          },
        },
      ],
    });
    expect(applied.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    for (const process of processes) process.kill();
    await Promise.all(processes.map((p) => p.exited));
    await service?.close();
    await dangerouslyDropSchema(TEST_DATABASE_URL as string, schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`completes ${RUNS} runs exactly once, and streams them in order from the other replica`, async () => {
    const ids: string[] = [];
    let followed: Promise<Array<Array<{ id: number; type: string }>>> | undefined;
    for (let start = 0; start < RUNS; start += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, RUNS - start) }, (_, i) =>
          call(apiA, 'POST', '/api/v1/agents/pinger/runs', {
            input: { n: start + i, url: `${service.url}/ping/${start + i}` },
          }),
        ),
      );
      for (const created of batch) {
        expect(created.status).toBe(201);
        ids.push(created.body.id);
      }
      if (start === 0) {
        // Follow the first runs from replica B while they execute.
        followed = Promise.all(ids.slice(0, 10).map((id) => follow(apiB, id)));
      }
    }
    const streams = (await followed) ?? [];
    expect(streams).toHaveLength(10);

    const deadline = Date.now() + 120_000;
    let pending = ids;
    while (pending.length > 0) {
      if (Date.now() > deadline) throw new Error(`${pending.length} runs did not finish`);
      const states = await Promise.all(pending.map((id) => call(apiB, 'GET', `/api/v1/runs/${id}`)));
      pending = states
        .filter((s) => !['completed', 'failed', 'cancelled', 'timed_out'].includes(s.body.status))
        .map((s) => s.body.id);
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }

    const finals = await Promise.all(ids.map((id) => call(apiB, 'GET', `/api/v1/runs/${id}`)));
    expect(finals.filter((f) => f.body.status === 'completed')).toHaveLength(RUNS);
    for (const [index, final] of finals.entries()) expect(final.body.output).toBe(`done ${index}`);
    // Every run called the service exactly once, and every step ran once.
    for (let n = 0; n < RUNS; n += 1) expect(service.count(`/ping/${n}`)).toBe(1);
    const steps = await Promise.all(
      ids.slice(0, 50).map((id) => call(apiA, 'GET', `/api/v1/runs/${id}/steps`)),
    );
    for (const list of steps)
      expect(list.body.items.map((s: { attempt: number }) => s.attempt)).toEqual([1, 1, 1]);

    for (const events of streams) {
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      expect(events[0]?.type).toBe('run_started');
      expect(events.at(-1)?.type).toBe('run_completed');
      expect(events.filter((e) => e.type === 'run_completed')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'tool_call')).toHaveLength(3);
    }
  }, 240_000);
});
