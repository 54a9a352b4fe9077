import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Page,
  type Run,
  type RunStep,
  type Session,
  type SessionMessage,
  TERMINAL_RUN_STATUSES,
} from '../../src/contracts/index.ts';
import { expectProblem, type SendOptions, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import {
  approvalAgent,
  closedPort,
  createAgent,
  createBackend,
  echoAgent,
  getRun,
  postRun,
  reactAgent,
  readEvents,
  runToEnd,
  sleeperAgent,
  startRun,
  waitForStatus,
  waitForStep,
  waitUntil,
  workflowAgent,
} from '../support/runs.ts';
import {
  type RecordedRequest,
  type ScriptedModelServer,
  startScriptedModelServer,
} from '../support/scripted-model-server.ts';

let t: TestPlatform;
let model: ScriptedModelServer;
const BACKEND = 'scripted';

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

beforeAll(async () => {
  model = await startScriptedModelServer();
  t = await startTestPlatform({ workerPollMs: 200 });
  await createBackend(t, BACKEND, model.url, { timeout: '10s' });
});

afterAll(async () => {
  await t?.close();
  await model?.close();
});

/** The model requests a run made, told apart by the idempotency key `<run id>:<step>`. */
const requestsOf = (runId: string): RecordedRequest[] =>
  model.requests.filter((request) => request.idempotencyKey?.startsWith(`${runId}:`));

async function stepsOf(runId: string): Promise<RunStep[]> {
  const reply = await send<{ items: RunStep[] }>('GET', `/api/v1/runs/${runId}/steps`);
  expect(reply.status).toBe(200);
  return reply.body.items;
}

/** An agent with a fresh name, created and published; returns the name. */
async function agent(build: (name: string) => object, prefix = 'agent'): Promise<string> {
  const name = unique(prefix);
  await createAgent(t, build(name));
  return name;
}

describe('POST /api/v1/agents/{name}/runs', () => {
  it('answers 201 with a pending run of a workflow agent, which then completes with the echoed text', async () => {
    const name = await agent((n) => echoAgent(n));

    const reply = await postRun(t, name, { input: { text: 'hello workflow' }, metadata: { team: 'qa' } });

    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe(`/api/v1/runs/${reply.body.id}`);
    expect(reply.body).toMatchObject({
      agent: name,
      agent_version: 1,
      status: 'pending',
      input: { text: 'hello workflow' },
      output: null,
      metadata: { team: 'qa' },
      created_by: 'admin',
      started_at: null,
      ended_at: null,
      session_id: null,
    });
    expect(reply.body.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const done = await waitForStatus(t, reply.body.id, 'completed');
    expect(done.output).toBe('hello workflow');
    expect(done.status_reason).toBeNull();
    expect(done.error).toBeNull();
    expect(done.step_count).toBe(1);
    expect(done.started_at).not.toBeNull();
    expect(done.ended_at).not.toBeNull();
    expect(Date.parse(done.ended_at ?? '')).toBeGreaterThanOrEqual(Date.parse(done.started_at ?? ''));
  });

  it('runs a react agent through a tool call to the final answer and counts its tokens', async () => {
    const name = await agent((n) => reactAgent(n, BACKEND, { tools: ['echo'] }), 'react');
    model.enqueue(
      { toolCalls: [{ name: 'echo', arguments: { text: 'ping' } }], content: 'Let me echo.' },
      { content: 'The echo said ping.' },
    );

    const run = await runToEnd(t, name, { input: 'Please echo ping' });

    expect(run.status).toBe('completed');
    expect(run.output).toBe('The echo said ping.');
    expect(run.usage.input_tokens).toBeGreaterThan(0);
    expect(run.usage.output_tokens).toBeGreaterThan(0);
    const requests = requestsOf(run.id);
    expect(requests).toHaveLength(2);
    // The second model call sees the tool's result.
    const toolMessage = requests[1]?.body.messages.find((message) => message.role === 'tool');
    expect(toolMessage?.content).toBe('ping');
    expect(requests[0]?.body.messages.at(-1)).toMatchObject({ role: 'user', content: 'Please echo ping' });
  });
});

describe('reading runs', () => {
  it('gets a run by id with the same fields the create answer had', async () => {
    const name = await agent((n) => echoAgent(n));
    const created = await startRun(t, name, { input: { text: 'get me' } });
    await waitForStatus(t, created.id, 'completed');

    const run = await getRun(t, created.id);

    expect(run).toMatchObject({
      id: created.id,
      agent: name,
      trace_id: created.trace_id,
      created_at: created.created_at,
      input: { text: 'get me' },
      output: 'get me',
    });
  });

  it('answers an unknown run id with 404', async () => {
    expectProblem(await send('GET', '/api/v1/runs/no-such-run'), 404, 'NOT_FOUND');
  });

  it('lists runs newest first, filtered by agent and status, and pages through them with a cursor', async () => {
    const name = await agent((n) => echoAgent(n));
    const other = await agent((n) => echoAgent(n));
    const ids: string[] = [];
    const failedIds: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await startRun(t, name, { input: { text: `run ${i}` } })).id);
    // No `text`: the template cannot resolve and the run fails.
    for (let i = 0; i < 2; i++) failedIds.push((await startRun(t, name, { input: { other: i } })).id);
    await startRun(t, other, { input: { text: 'elsewhere' } });
    for (const id of [...ids, ...failedIds]) await waitForStatus(t, id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `agent=${name}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const reply = await send<Page<Run>>('GET', `/api/v1/runs?${query}`);
      expect(reply.status).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(3);
      expect(reply.body.items.every((run) => run.agent === name)).toBe(true);
      seen.push(...reply.body.items.map((run) => run.id));
      cursor = reply.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);

    expect(pages).toBe(3);
    expect(seen).toEqual([...ids, ...failedIds].reverse());
    const completed = await send<Page<Run>>('GET', `/api/v1/runs?agent=${name}&status=completed`);
    expect(completed.body.items.map((run) => run.id)).toEqual([...ids].reverse());
    const failed = await send<Page<Run>>('GET', `/api/v1/runs?agent=${name}&status=failed`);
    expect(failed.body.items.map((run) => run.id)).toEqual([...failedIds].reverse());
    expect(failed.body.items.every((run) => run.status === 'failed')).toBe(true);
  });

  it('lists the steps of a workflow run in order, each completed once with a stable idempotency key', async () => {
    const name = await agent((n) =>
      workflowAgent(n, {
        nodes: [
          { id: 'first', type: 'tool', tool: 'echo', args: { text: 'one' }, next: 'second' },
          { id: 'second', type: 'tool', tool: 'echo', args: { text: '${nodes.first.output.text} two' } },
        ],
        output: '${nodes.second.output.text}',
      }),
    );
    const run = await runToEnd(t, name, { input: {} });
    expect(run.output).toBe('one two');

    const steps = await stepsOf(run.id);

    expect(steps.map((step) => [step.key, step.kind, step.name, step.status, step.attempt])).toEqual([
      ['node:first', 'workflow_node', 'first', 'completed', 1],
      ['node:second', 'workflow_node', 'second', 'completed', 1],
    ]);
    expect(steps.map((step) => step.seq)).toEqual([1, 2]);
    for (const step of steps) {
      expect(step.run_id).toBe(run.id);
      expect(step.idempotency_key).toBe(`${run.id}:${step.key}`);
      expect(step.trace_id).toBe(run.trace_id);
      expect(step.error).toBeNull();
      expect(step.ended_at).not.toBeNull();
      expect(step.duration_ms).toBe(Date.parse(step.ended_at ?? '') - Date.parse(step.started_at));
      expect(step.duration_ms).toBeGreaterThanOrEqual(0);
    }
    expect(steps[0]?.input).toEqual({ text: 'one' });
    expect(steps[0]?.output).toEqual({ text: 'one' });
    expect(steps[1]?.input).toEqual({ text: 'one two' });
  });

  it('lists the model and tool steps of a react run with their token usage', async () => {
    const name = await agent((n) => reactAgent(n, BACKEND, { tools: ['echo'] }), 'react');
    model.enqueue(
      {
        toolCalls: [{ name: 'echo', arguments: { text: 'x' } }],
        usage: { prompt_tokens: 11, completion_tokens: 3 },
      },
      { content: 'done', usage: { prompt_tokens: 17, completion_tokens: 2 } },
    );
    const run = await runToEnd(t, name, { input: 'go' });

    const steps = await stepsOf(run.id);

    expect(steps.map((step) => [step.key, step.kind, step.status, step.attempt])).toEqual([
      ['model:0', 'model_call', 'completed', 1],
      ['tool:0:0', 'tool_call', 'completed', 1],
      ['model:1', 'model_call', 'completed', 1],
    ]);
    expect(steps.map((step) => step.idempotency_key)).toEqual(steps.map((step) => `${run.id}:${step.key}`));
    expect(steps[0]?.usage).toEqual({ input_tokens: 11, output_tokens: 3 });
    expect(steps[2]?.usage).toEqual({ input_tokens: 17, output_tokens: 2 });
    expect(steps[1]).toMatchObject({ name: 'echo', input: { text: 'x' } });
    expect(run.usage).toEqual({ input_tokens: 28, output_tokens: 5 });
    expect(run.step_count).toBe(3);
    expect(requestsOf(run.id).map((request) => request.idempotencyKey)).toEqual([
      `${run.id}:model:0`,
      `${run.id}:model:1`,
    ]);
  });
});

describe('sessions', () => {
  it('lets the second run of a session see the first exchange, and lists the messages', async () => {
    const name = await agent((n) => reactAgent(n, BACKEND), 'chat');
    const session = unique('conv');
    model.enqueue({ content: 'Nice to meet you, Ada.' }, { content: 'Your name is Ada.' });

    const first = await runToEnd(t, name, { input: 'My name is Ada.', session_id: session });
    const second = await runToEnd(t, name, { input: 'What is my name?', session_id: session });

    expect(first.session_id).toBe(session);
    expect(second.output).toBe('Your name is Ada.');
    const [request] = requestsOf(second.id);
    expect(request?.body.messages.map((message) => [message.role, message.content])).toEqual([
      ['system', 'You are a test agent.'],
      ['user', 'My name is Ada.'],
      ['assistant', 'Nice to meet you, Ada.'],
      ['user', 'What is my name?'],
    ]);
    const messages = await send<{ items: SessionMessage[] }>('GET', `/api/v1/sessions/${session}/messages`);
    expect(messages.status).toBe(200);
    expect(messages.body.items.map((message) => [message.role, message.content, message.run_id])).toEqual([
      ['user', 'My name is Ada.', first.id],
      ['assistant', 'Nice to meet you, Ada.', first.id],
      ['user', 'What is my name?', second.id],
      ['assistant', 'Your name is Ada.', second.id],
    ]);
    expect(messages.body.items.map((message) => message.seq)).toEqual(
      [...messages.body.items.map((message) => message.seq)].sort((a, b) => a - b),
    );
    const created = await send<Session>('GET', `/api/v1/sessions/${session}`);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ id: session, agent: name });
    const listed = await send<Page<Run>>('GET', `/api/v1/runs?session_id=${session}`);
    expect(listed.body.items.map((run) => run.id)).toEqual([second.id, first.id]);
  });

  it('runs in a session created with POST /api/v1/sessions', async () => {
    const name = await agent((n) => reactAgent(n, BACKEND), 'chat');
    const created = await send<Session>('POST', '/api/v1/sessions', {
      body: { metadata: { channel: 'web' } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ agent: null, metadata: { channel: 'web' } });
    model.enqueue({ content: 'Hi there.' });

    const run = await runToEnd(t, name, { input: 'Hello', session_id: created.body.id });

    expect(run).toMatchObject({ status: 'completed', session_id: created.body.id });
    const messages = await send<{ items: SessionMessage[] }>(
      'GET',
      `/api/v1/sessions/${created.body.id}/messages`,
    );
    expect(messages.body.items.map((message) => [message.role, message.content])).toEqual([
      ['user', 'Hello'],
      ['assistant', 'Hi there.'],
    ]);
  });

  it('answers 404 for the messages of an unknown session', async () => {
    expectProblem(await send('GET', `/api/v1/sessions/${unique('nobody')}/messages`), 404, 'NOT_FOUND');
  });

  it('refuses a second run on a busy session of a reject agent with 409 naming the busy run', async () => {
    const name = await agent((n) => sleeperAgent(n, { concurrency: 'reject' }), 'reject');
    const session = unique('busy');
    const busy = await startRun(t, name, { input: { seconds: 60 }, session_id: session });
    await waitForStep(t, busy.id, 'node:nap');

    const problem = expectProblem(
      await postRun(t, name, { input: { seconds: 0 }, session_id: session }),
      409,
      'CONFLICT',
    );

    expect(problem.detail).toContain(busy.id);
    const listed = await send<Page<Run>>('GET', `/api/v1/runs?session_id=${session}`);
    expect(listed.body.items.map((run) => run.id)).toEqual([busy.id]);
    expect((await send('POST', `/api/v1/runs/${busy.id}:cancel`, { body: {} })).status).toBe(200);
    await waitForStatus(t, busy.id, 'cancelled');
  });

  it('starts a second run on a busy session of an enqueue agent only after the first has ended', async () => {
    const name = await agent((n) => sleeperAgent(n, { concurrency: 'enqueue' }), 'enqueue');
    const session = unique('queue');
    const first = await startRun(t, name, { input: { seconds: 1.5 }, session_id: session });
    await waitForStep(t, first.id, 'node:nap');

    const second = await startRun(t, name, { input: { seconds: 0 }, session_id: session });
    expect(second.status).toBe('pending');
    expect((await getRun(t, second.id)).status).toBe('pending');

    const secondDone = await waitForStatus(t, second.id, 'completed');
    const firstDone = await getRun(t, first.id);
    expect(firstDone.status).toBe('completed');
    expect(Date.parse(secondDone.started_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(firstDone.ended_at ?? ''),
    );
  });

  it('cancels the run in progress when a new run arrives on a session of an interrupt agent', async () => {
    const name = await agent((n) => sleeperAgent(n, { concurrency: 'interrupt' }), 'interrupt');
    const session = unique('interrupt');
    const first = await startRun(t, name, { input: { seconds: 60 }, session_id: session });
    await waitForStep(t, first.id, 'node:nap');

    const second = await startRun(t, name, { input: { seconds: 0 }, session_id: session });

    const firstDone = await waitForStatus(t, first.id, 'cancelled', { timeoutMs: 15_000 });
    expect(firstDone.status_reason).toBe('cancelled');
    const secondDone = await waitForStatus(t, second.id, 'completed');
    expect(secondDone.output).toBe('woke');
  });
});

describe('limits', () => {
  it('fails a run that needs more steps than limits.maxSteps with status_reason max_steps', async () => {
    const name = await agent((n) =>
      workflowAgent(
        n,
        {
          nodes: [
            { id: 'a', type: 'tool', tool: 'echo', args: { text: 'a' }, next: 'b' },
            { id: 'b', type: 'tool', tool: 'echo', args: { text: 'b' }, next: 'c' },
            { id: 'c', type: 'tool', tool: 'echo', args: { text: 'c' } },
          ],
        },
        { limits: { maxSteps: 2 } },
      ),
    );

    const run = await runToEnd(t, name, { input: {} });

    expect(run).toMatchObject({ status: 'failed', status_reason: 'max_steps', error: { code: 'max_steps' } });
    expect((await stepsOf(run.id)).map((step) => step.key)).toEqual(['node:a', 'node:b']);
  });

  it('ends a run that outlives limits.timeout as timed_out', async () => {
    const name = await agent((n) => sleeperAgent(n, { limits: { timeout: '1s' } }));

    const run = await runToEnd(t, name, { input: { seconds: 5 } });

    expect(run).toMatchObject({ status: 'timed_out', status_reason: 'timed_out' });
    expect(run.output).toBeNull();
    const steps = await stepsOf(run.id);
    expect(steps.map((step) => step.key)).toEqual(['node:nap']);
    expect(steps[0]?.status).not.toBe('completed');
  });

  it('fails a run whose model usage exceeds limits.maxTokens with status_reason max_tokens', async () => {
    const name = await agent(
      (n) => reactAgent(n, BACKEND, { tools: ['echo'], limits: { maxTokens: 100 } }),
      'tokens',
    );
    model.enqueue(
      {
        toolCalls: [{ name: 'echo', arguments: { text: 'x' } }],
        usage: { prompt_tokens: 60, completion_tokens: 5 },
      },
      { content: 'too late', usage: { prompt_tokens: 70, completion_tokens: 5 } },
    );

    const run = await runToEnd(t, name, { input: 'spend tokens' });

    expect(run).toMatchObject({
      status: 'failed',
      status_reason: 'max_tokens',
      error: { code: 'max_tokens' },
    });
    expect(run.output).toBeNull();
  });

  it('answers with the fallback message and fails with model_unavailable when the model cannot be reached', async () => {
    const backend = unique('down');
    await createBackend(t, backend, `http://127.0.0.1:${await closedPort()}/v1`, { timeout: '1s' });
    const name = await agent(
      (n) => reactAgent(n, backend, { fallbackMessage: 'Sorry, I cannot think right now.' }),
      'down',
    );

    const run = await runToEnd(t, name, { input: 'anyone there?' });

    expect(run).toMatchObject({
      status: 'failed',
      status_reason: 'model_unavailable',
      output: 'Sorry, I cannot think right now.',
      error: { code: 'model_unavailable' },
    });
    const failed = (await readEvents(t, run.id)).at(-1);
    expect(failed?.event).toBe('run_failed');
    expect(failed?.data.data).toMatchObject({
      reason: 'model_unavailable',
      output: 'Sorry, I cannot think right now.',
    });
  });
});

describe('cancelling', () => {
  it('cancels a running run and aborts its in-flight tool call', async () => {
    const name = await agent((n) => sleeperAgent(n));
    const run = await startRun(t, name, { input: { seconds: 120 } });
    await waitForStep(t, run.id, 'node:nap');

    const reply = await send<Run>('POST', `/api/v1/runs/${run.id}:cancel`, { body: {} });

    expect(reply.status).toBe(200);
    expect(['running', 'cancelled']).toContain(reply.body.status);
    // The sleep has 120 s left: only an aborted call lets the run end within the deadline.
    const cancelled = await waitForStatus(t, run.id, 'cancelled', { timeoutMs: 15_000 });
    expect(cancelled.status_reason).toBe('cancelled');
    const steps = await stepsOf(run.id);
    expect(steps.map((step) => step.key)).toEqual(['node:nap']);
    expect(steps[0]?.status).not.toBe('completed');
    const events = await readEvents(t, run.id);
    expect(events.map((event) => event.event)).toEqual(['run_started', 'tool_call', 'run_cancelled']);
  });

  it('cancels a run waiting on the model and aborts the model request', async () => {
    const name = await agent((n) => reactAgent(n, BACKEND), 'hang');
    model.enqueue({ hang: true });
    const disconnects = model.disconnects;
    const run = await startRun(t, name, { input: 'take your time' });
    await waitUntil(
      async () => requestsOf(run.id).length,
      (count) => count === 1,
      () => `the model never received the request of run ${run.id}`,
    );

    await send('POST', `/api/v1/runs/${run.id}:cancel`, { body: {} });

    await waitForStatus(t, run.id, 'cancelled', { timeoutMs: 15_000 });
    // The model never answers: only the platform closing the request ends it.
    await waitUntil(
      async () => model.disconnects,
      (count) => count === disconnects + 1,
      (count) => `the model saw ${count - disconnects} aborted request(s), not 1`,
    );
    expect(model.inFlight).toBe(0);
  });

  it('records who cancelled a running run and the reason they gave in run_cancelled', async () => {
    const name = await agent((n) => sleeperAgent(n));
    const run = await startRun(t, name, { input: { seconds: 120 } });
    await waitForStep(t, run.id, 'node:nap');

    await send('POST', `/api/v1/runs/${run.id}:cancel`, { body: { reason: 'wrong input' } });

    await waitForStatus(t, run.id, 'cancelled', { timeoutMs: 15_000 });
    const cancelled = (await readEvents(t, run.id)).at(-1);
    expect(cancelled?.event).toBe('run_cancelled');
    expect(cancelled?.data.data).toEqual({ by: 'admin', reason: 'wrong input' });
  });

  it('answers 409 when cancelling a run that has already completed', async () => {
    const name = await agent((n) => echoAgent(n));
    const run = await runToEnd(t, name, { input: { text: 'finished' } });

    expectProblem(await send('POST', `/api/v1/runs/${run.id}:cancel`, { body: {} }), 409, 'CONFLICT');

    expect((await getRun(t, run.id)).status).toBe('completed');
  });

  it('cancels a run paused for an approval at once', async () => {
    const name = await agent((n) => approvalAgent(n));
    const run = await startRun(t, name, { input: { text: 'the deploy' } });
    await waitForStatus(t, run.id, 'paused');

    const reply = await send<Run>('POST', `/api/v1/runs/${run.id}:cancel`, { body: { reason: 'not today' } });

    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'cancelled', status_reason: 'cancelled' });
    expect(reply.body.ended_at).not.toBeNull();
    const events = await readEvents(t, run.id);
    expect(events.map((event) => event.event)).toEqual(['run_started', 'run_paused', 'run_cancelled']);
    expect(events.at(-1)?.data.data).toEqual({ by: 'admin', reason: 'not today' });
  });
});

describe('approvals', () => {
  it('pauses for an approval and completes once approved', async () => {
    const name = await agent((n) => approvalAgent(n));
    const run = await startRun(t, name, { input: { text: 'the deploy' } });

    const paused = await waitForStatus(t, run.id, 'paused');
    expect(paused.status_reason).toBe('approval');
    const waiting = await stepsOf(run.id);
    expect(waiting.map((step) => [step.key, step.kind, step.status])).toEqual([
      ['node:gate', 'approval_wait', 'started'],
    ]);
    expect(waiting[0]?.input).toMatchObject({ message: 'May I proceed with the deploy?' });

    const resolved = await send<Run>('POST', `/api/v1/runs/${run.id}:resolve`, {
      body: { action: 'approve', comment: 'go ahead' },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.status).toBe('running');

    const done = await waitForStatus(t, run.id, 'completed');
    expect(done.output).toEqual({ text: 'approved' });
    const steps = await stepsOf(run.id);
    expect(steps.map((step) => [step.key, step.status])).toEqual([
      ['node:gate', 'completed'],
      ['node:go', 'completed'],
    ]);
    expect(steps[0]?.output).toMatchObject({ approved: true, by: 'admin', comment: 'go ahead' });
    const events = (await readEvents(t, run.id)).map((event) => event.event);
    expect(events).toEqual([
      'run_started',
      'run_paused',
      'run_resumed',
      'tool_call',
      'tool_result',
      'run_completed',
    ]);
  });

  it('fails the run when the approval is rejected and the node has no onReject', async () => {
    const name = await agent((n) => approvalAgent(n));
    const run = await startRun(t, name, { input: { text: 'the deploy' } });
    await waitForStatus(t, run.id, 'paused');

    const resolved = await send('POST', `/api/v1/runs/${run.id}:resolve`, { body: { action: 'reject' } });
    expect(resolved.status).toBe(200);

    const done = await waitForStatus(t, run.id, 'failed');
    expect(done.error?.message).toContain('rejected');
    expect((await stepsOf(run.id)).map((step) => step.key)).toEqual(['node:gate']);
  });

  it('follows the onReject branch when the approval is rejected', async () => {
    const name = await agent((n) => approvalAgent(n, { onReject: true }));
    const run = await startRun(t, name, { input: { text: 'the deploy' } });
    await waitForStatus(t, run.id, 'paused');

    await send('POST', `/api/v1/runs/${run.id}:resolve`, { body: { action: 'reject' } });

    const done = await waitForStatus(t, run.id, 'completed');
    expect(done.output).toEqual({ text: 'rejected' });
    expect((await stepsOf(run.id)).map((step) => step.key)).toEqual(['node:gate', 'node:stop']);
  });

  it('answers 400 pointing at /action when resolving an approval with retry, and stays paused', async () => {
    const name = await agent((n) => approvalAgent(n));
    const run = await startRun(t, name, { input: { text: 'x' } });
    await waitForStatus(t, run.id, 'paused');

    const problem = expectProblem(
      await send('POST', `/api/v1/runs/${run.id}:resolve`, { body: { action: 'retry' } }),
      400,
      'INVALID_REQUEST',
    );

    expect(problem.errors?.map((error) => error.pointer)).toEqual(['/action']);
    expect((await getRun(t, run.id)).status).toBe('paused');
    await send('POST', `/api/v1/runs/${run.id}:cancel`, { body: {} });
  });

  it('answers 409 when resolving a run that is not paused', async () => {
    const name = await agent((n) => echoAgent(n));
    const run = await runToEnd(t, name, { input: { text: 'x' } });

    expectProblem(
      await send('POST', `/api/v1/runs/${run.id}:resolve`, { body: { action: 'approve' } }),
      409,
      'CONFLICT',
    );
    expect(TERMINAL_RUN_STATUSES).toContain((await getRun(t, run.id)).status);
  });
});
