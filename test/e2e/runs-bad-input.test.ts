import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Run } from '../../src/contracts/index.ts';
import { expectProblem, type Reply, type SendOptions, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import {
  approvalAgent,
  createAgent,
  echoAgent,
  getRun,
  keyWithRoles,
  openEvents,
  postRun,
  readEvents,
  runToEnd,
  startRun,
  tenantAdminKey,
  waitForStatus,
  waitUntil,
} from '../support/runs.ts';

let t: TestPlatform;
/** A published echo workflow every test may run. */
const ECHO = unique('echo');
const APPROVAL = unique('approval');

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

beforeAll(async () => {
  t = await startTestPlatform({ workerPollMs: 200 });
  await createAgent(t, echoAgent(ECHO));
  await createAgent(t, approvalAgent(APPROVAL));
});

afterAll(async () => {
  await t?.close();
});

async function runsOf(agent: string): Promise<Run[]> {
  const reply = await send<Page<Run>>('GET', `/api/v1/runs?agent=${agent}&limit=500`);
  expect(reply.status).toBe(200);
  return reply.body.items;
}

const MiB = 1024 * 1024;

/**
 * POSTs JSON on a connection of its own, closed afterwards: a server that refuses a large body
 * early may drop the connection, and the shared fetch pool must not inherit it.
 */
function postOnOwnConnection(path: string, body: unknown): Promise<Reply<unknown>> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${t.url}${path}`,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${t.adminKey}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          connection: 'close',
        },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          resolve({ status: incoming.statusCode ?? 0, headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    // The server may answer and close before the whole body is written.
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

const pointersOf = (problem: { errors?: Array<{ pointer: string }> | undefined }) =>
  (problem.errors ?? []).map((error) => error.pointer).sort();

describe('agents and versions', () => {
  it('answers a run of an unknown agent with 404', async () => {
    expectProblem(await postRun(t, unique('ghost'), { input: 'hello' }), 404, 'NOT_FOUND');
  });

  it('answers a run of a draft-only agent without version with 409, and runs it with version 1', async () => {
    const name = unique('draft');
    await createAgent(t, echoAgent(name), { publish: false });

    const problem = expectProblem(await postRun(t, name, { input: { text: 'x' } }), 409, 'CONFLICT');
    expect(problem.detail).toContain('no published version');
    expect(await runsOf(name)).toEqual([]);

    const run = await startRun(t, name, { input: { text: 'draft ran' }, version: 1 });
    expect(run.agent_version).toBe(1);
    expect((await waitForStatus(t, run.id, 'completed')).output).toBe('draft ran');
  });

  it('answers a run of a deprecated version with 409 and of an unknown version with 404', async () => {
    const name = unique('versions');
    await createAgent(t, echoAgent(name));
    const v2 = await send('POST', `/api/v1/agents/${name}/versions?publish=true`, {
      body: { spec: echoAgent(name).spec },
    });
    expect(v2.status).toBe(201);
    expect((await send('POST', `/api/v1/agents/${name}/versions/1:deprecate`)).status).toBe(200);

    expectProblem(await postRun(t, name, { input: { text: 'x' }, version: 1 }), 409, 'CONFLICT');
    expectProblem(await postRun(t, name, { input: { text: 'x' }, version: 99 }), 404, 'NOT_FOUND');

    expect(await runsOf(name)).toEqual([]);
    const active = await startRun(t, name, { input: { text: 'x' } });
    expect(active.agent_version).toBe(2);
  });
});

describe('request bodies', () => {
  it('answers an input over the body limit with 413 and creates no run', async () => {
    const name = unique('big');
    await createAgent(t, echoAgent(name));

    const reply = await postOnOwnConnection(`/api/v1/agents/${name}/runs`, {
      input: { text: 'x'.repeat(MiB + 1) },
    });

    expectProblem(reply, 413, 'PAYLOAD_TOO_LARGE');
    expect(await runsOf(name)).toEqual([]);
  });

  it('keeps a connection it answered 413 with "Connection: keep-alive" usable for the next request', async () => {
    const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
    });
    socket.on('error', () => undefined);
    const body = JSON.stringify({ input: { text: 'x'.repeat(MiB + 1) } });
    socket.write(
      `POST /api/v1/agents/${ECHO}/runs HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${t.adminKey}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await waitUntil(
      async () => received,
      (text) => /\r\n\r\n\{.*\}$/s.test(text),
      (text) => `no complete 413 response: ${text.slice(0, 200)}`,
      10_000,
    );
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    if (/^connection: close\r$/im.test(received)) return socket.destroy();
    expect(received).toMatch(/^connection: keep-alive\r$/im);

    // The server advertised keep-alive (timeout=5): a client may send its next request a moment later.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    received = '';
    socket.write(
      `GET /api/v1/runs?limit=1 HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${t.adminKey}\r\n\r\n`,
    );
    const answered = await waitUntil(
      async () => ({ text: received, closed: socket.destroyed || socket.readyState === 'closed' }),
      (state) => /^HTTP\/1\.1 \d{3} /.test(state.text) || state.closed,
      () => 'no answer and no close',
      10_000,
    );
    socket.destroy();
    expect(answered.text, 'the server closed the keep-alive connection after the 413').toMatch(
      /^HTTP\/1\.1 200 /,
    );
  });

  it('answers an unknown field with 400 pointing at it', async () => {
    const problem = expectProblem(
      await postRun(t, ECHO, { input: { text: 'x' }, priority: 'high' }),
      400,
      'INVALID_REQUEST',
    );

    expect(pointersOf(problem)).toEqual(['/priority']);
  });

  it('answers fields of the wrong type with 400 and a pointer for each', async () => {
    const problem = expectProblem(
      await postRun(t, ECHO, {
        input: { text: 'x' },
        stream: 'yes',
        version: 'one',
        idempotency_key: 7,
        metadata: { team: 5 },
      }),
      400,
      'INVALID_REQUEST',
    );

    expect(pointersOf(problem)).toEqual(['/idempotency_key', '/metadata/team', '/stream', '/version']);
  });

  it('answers a missing input, and an input that is neither text nor an object, with 400 at /input', async () => {
    for (const body of [{}, { input: 42 }, { input: null }, { input: ['a'] }]) {
      const problem = expectProblem(await postRun(t, ECHO, body), 400, 'INVALID_REQUEST');
      expect(pointersOf(problem)[0], JSON.stringify(body)).toBe('/input');
    }
  });

  it('answers a version that is not a positive integer with 400 at /version', async () => {
    for (const version of [0, -1, 1.5]) {
      const problem = expectProblem(
        await postRun(t, ECHO, { input: { text: 'x' }, version }),
        400,
        'INVALID_REQUEST',
      );
      expect(pointersOf(problem)).toEqual(['/version']);
    }
  });

  it('answers a malformed session id with 400 at /session_id and creates no session', async () => {
    for (const session of ['has space', '../up', '-leading-dash', 'x'.repeat(129), '']) {
      const problem = expectProblem(
        await postRun(t, ECHO, { input: { text: 'x' }, session_id: session }),
        400,
        'INVALID_REQUEST',
      );
      expect(pointersOf(problem)).toEqual(['/session_id']);
    }
  });

  it('answers malformed JSON with 400 MALFORMED_BODY', async () => {
    expectProblem(
      await send('POST', `/api/v1/agents/${ECHO}/runs`, { body: '{"input": ' }),
      400,
      'MALFORMED_BODY',
    );
  });

  it('answers resolve with an unknown action with 400 at /action', async () => {
    const run = await startRun(t, APPROVAL, { input: { text: 'x' } });
    await waitForStatus(t, run.id, 'paused');

    const problem = expectProblem(
      await send('POST', `/api/v1/runs/${run.id}:resolve`, { body: { action: 'maybe' } }),
      400,
      'INVALID_REQUEST',
    );

    expect(pointersOf(problem)).toEqual(['/action']);
    expect((await getRun(t, run.id)).status).toBe('paused');
  });
});

describe('queries and sessions', () => {
  it('answers a run list with an unknown status, a bad limit or a forged cursor with 400', async () => {
    for (const query of ['status=finished', 'limit=0', 'limit=501', 'limit=ten', 'agent=Not_A_Name']) {
      const reply = await send('GET', `/api/v1/runs?${query}`);
      expect(`${query} → ${reply.status}`).toBe(`${query} → 400`);
    }
    expectProblem(await send('GET', '/api/v1/runs?cursor=not-a-cursor'), 400, 'INVALID_REQUEST');
  });

  it('answers a second session with the same id with 409 and a malformed session id with 400', async () => {
    const id = unique('session');
    expect((await send('POST', '/api/v1/sessions', { body: { id } })).status).toBe(201);

    expectProblem(await send('POST', '/api/v1/sessions', { body: { id } }), 409, 'ALREADY_EXISTS');
    const problem = expectProblem(
      await send('POST', '/api/v1/sessions', { body: { id: 'no spaces allowed' } }),
      400,
      'INVALID_REQUEST',
    );
    expect(pointersOf(problem)).toEqual(['/id']);
    expectProblem(await send('GET', '/api/v1/sessions/has%20space'), 400, 'INVALID_REQUEST');
  });
});

describe('run state', () => {
  it('answers cancelling a finished run with 409, and the run stays completed', async () => {
    const run = await runToEnd(t, ECHO, { input: { text: 'done' } });

    expectProblem(await send('POST', `/api/v1/runs/${run.id}:cancel`, { body: {} }), 409, 'CONFLICT');
    expectProblem(await send('POST', `/api/v1/runs/${run.id}:cancel`, { body: {} }), 409, 'CONFLICT');

    expect(await getRun(t, run.id)).toMatchObject({ status: 'completed', output: 'done' });
  });

  it('answers cancelling a cancelled run with 409', async () => {
    const run = await startRun(t, APPROVAL, { input: { text: 'x' } });
    await waitForStatus(t, run.id, 'paused');
    expect((await send('POST', `/api/v1/runs/${run.id}:cancel`, { body: {} })).status).toBe(200);

    expectProblem(await send('POST', `/api/v1/runs/${run.id}:cancel`, { body: {} }), 409, 'CONFLICT');
  });

  it('answers cancel, steps and events of an unknown run with 404', async () => {
    expectProblem(await send('POST', '/api/v1/runs/nope:cancel', { body: {} }), 404, 'NOT_FOUND');
    expectProblem(await send('GET', '/api/v1/runs/nope/steps'), 404, 'NOT_FOUND');
    expectProblem(await send('GET', '/api/v1/runs/nope/events'), 404, 'NOT_FOUND');
    expectProblem(
      await send('POST', '/api/v1/runs/nope:resolve', { body: { action: 'approve' } }),
      404,
      'NOT_FOUND',
    );
  });
});

describe('tenants and roles', () => {
  it("answers another tenant's run with 404 on get, cancel, resolve, steps and events, and never lists it", async () => {
    const otherKey = await tenantAdminKey(t, unique('other'));
    const paused = await startRun(t, APPROVAL, { input: { text: 'mine' } });
    await waitForStatus(t, paused.id, 'paused');

    for (const [method, path, body] of [
      ['GET', `/api/v1/runs/${paused.id}`, undefined],
      ['POST', `/api/v1/runs/${paused.id}:cancel`, {}],
      ['POST', `/api/v1/runs/${paused.id}:resolve`, { action: 'approve' }],
      ['GET', `/api/v1/runs/${paused.id}/steps`, undefined],
      ['GET', `/api/v1/runs/${paused.id}/events`, undefined],
    ] as const) {
      const reply = await send(method, path, { body, apiKey: otherKey });
      expect(`${method} ${path} → ${reply.status}`).toBe(`${method} ${path} → 404`);
      expectProblem(reply, 404, 'NOT_FOUND');
    }
    const listed = await send<Page<Run>>('GET', '/api/v1/runs?limit=500', { apiKey: otherKey });
    expect(listed.body.items.map((run) => run.id)).not.toContain(paused.id);
    expect((await getRun(t, paused.id)).status).toBe('paused');
  });

  it("answers another tenant's session with 404", async () => {
    const otherKey = await tenantAdminKey(t, unique('other'));
    const session = unique('private');
    await runToEnd(t, ECHO, { input: { text: 'secret' }, session_id: session });

    expectProblem(await send('GET', `/api/v1/sessions/${session}`, { apiKey: otherKey }), 404, 'NOT_FOUND');
    expectProblem(
      await send('GET', `/api/v1/sessions/${session}/messages`, { apiKey: otherKey }),
      404,
      'NOT_FOUND',
    );
  });

  it('refuses a viewer starting or cancelling runs with 403 but lets it read them', async () => {
    const { key: viewer } = await keyWithRoles(t, ['viewer']);
    const run = await runToEnd(t, ECHO, { input: { text: 'for viewers' } });
    const before = (await runsOf(ECHO)).length;

    expectProblem(
      await postRun(t, ECHO, { input: { text: 'x' } }, { apiKey: viewer }),
      403,
      'PERMISSION_DENIED',
    );
    expectProblem(
      await send('POST', `/api/v1/runs/${run.id}:cancel`, { body: {}, apiKey: viewer }),
      403,
      'PERMISSION_DENIED',
    );
    expectProblem(
      await send('POST', '/api/v1/sessions', { body: {}, apiKey: viewer }),
      403,
      'PERMISSION_DENIED',
    );

    expect((await getRun(t, run.id, viewer)).output).toBe('for viewers');
    expect((await send('GET', `/api/v1/runs?agent=${ECHO}`, { apiKey: viewer })).status).toBe(200);
    expect((await send('GET', `/api/v1/runs/${run.id}/steps`, { apiKey: viewer })).status).toBe(200);
    const events = await openEvents(t, run.id, { apiKey: viewer });
    expect(events.status).toBe(200);
    await events.body?.cancel();
    expect(await runsOf(ECHO)).toHaveLength(before);
    expect((await getRun(t, run.id)).status).toBe('completed');
  });

  it('lets an approver resolve a paused run and refuses a developer with 403', async () => {
    const approver = await keyWithRoles(t, ['approver']);
    const { key: developer, name: developerName } = await keyWithRoles(t, ['developer']);
    const run = await startRun(t, APPROVAL, { input: { text: 'x' } }, { apiKey: developer });
    expect(run.created_by).toBe(developerName);
    await waitForStatus(t, run.id, 'paused');

    expectProblem(
      await send('POST', `/api/v1/runs/${run.id}:resolve`, {
        body: { action: 'approve' },
        apiKey: developer,
      }),
      403,
      'PERMISSION_DENIED',
    );
    expect((await getRun(t, run.id)).status).toBe('paused');
    expectProblem(
      await postRun(t, APPROVAL, { input: { text: 'x' } }, { apiKey: approver.key }),
      403,
      'PERMISSION_DENIED',
    );

    const resolved = await send<Run>('POST', `/api/v1/runs/${run.id}:resolve`, {
      body: { action: 'approve' },
      apiKey: approver.key,
    });
    expect(resolved.status).toBe(200);
    expect((await waitForStatus(t, run.id, 'completed')).output).toEqual({ text: 'approved' });
    const resumed = (await readEvents(t, run.id)).find((event) => event.event === 'run_resumed');
    expect(resumed?.data.data).toMatchObject({ action: 'approve', by: approver.name });
  });

  it('answers a request without credentials with 401', async () => {
    expectProblem(await postRun(t, ECHO, { input: { text: 'x' } }, { apiKey: null }), 401, 'UNAUTHENTICATED');
    expectProblem(await send('GET', '/api/v1/runs', { apiKey: null }), 401, 'UNAUTHENTICATED');
  });
});
