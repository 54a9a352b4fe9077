import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_EVENT_PAYLOADS, RUN_EVENT_TYPES, type Run } from '../../src/contracts/index.ts';
import { expectProblem, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import {
  approvalAgent,
  createAgent,
  createBackend,
  getRun,
  openEvents,
  type RunSseEvent,
  reactAgent,
  readEvents,
  SseReader,
  startRun,
  waitForStatus,
  workflowAgent,
} from '../support/runs.ts';
import { type ScriptedModelServer, startScriptedModelServer } from '../support/scripted-model-server.ts';

let t: TestPlatform;
let model: ScriptedModelServer;
/** Three echo nodes: run_started, three tool_call / tool_result pairs, run_completed. */
const THREE_STEPS = unique('three');
/** Pauses for an approval: the run that holds a session while another waits behind it. */
const GATE = unique('gate');
/** An echo workflow that queues behind a busy session. */
const QUEUED = unique('queued');
const REACT = unique('react');

beforeAll(async () => {
  model = await startScriptedModelServer();
  t = await startTestPlatform({ workerPollMs: 200 });
  await createBackend(t, 'scripted', model.url);
  await createAgent(
    t,
    workflowAgent(THREE_STEPS, {
      nodes: [
        { id: 'one', type: 'tool', tool: 'echo', args: { text: '${input.text} 1' }, next: 'two' },
        { id: 'two', type: 'tool', tool: 'echo', args: { text: '${input.text} 2' }, next: 'three' },
        { id: 'three', type: 'tool', tool: 'echo', args: { text: '${input.text} 3' } },
      ],
      output: '${nodes.three.output.text}',
    }),
  );
  await createAgent(t, approvalAgent(GATE));
  await createAgent(
    t,
    workflowAgent(
      QUEUED,
      { nodes: [{ id: 'say', type: 'tool', tool: 'echo', args: { text: 'queued' } }] },
      { concurrency: 'enqueue' },
    ),
  );
  await createAgent(t, reactAgent(REACT, 'scripted', { tools: ['echo'] }));
});

afterAll(async () => {
  await t?.close();
  await model?.close();
});

const send = (method: string, path: string, body?: unknown) =>
  sendTo(t, method, path, body === undefined ? {} : { body });

async function completedRun(text = 'hi'): Promise<Run> {
  const run = await startRun(t, THREE_STEPS, { input: { text } });
  return waitForStatus(t, run.id, 'completed');
}

/** A run that stays pending: it waits behind a run paused for an approval on the same session. */
async function heldRun(): Promise<{ held: Run; release: () => Promise<void> }> {
  const session = unique('held');
  const gate = await startRun(t, GATE, { input: { text: 'x' }, session_id: session });
  await waitForStatus(t, gate.id, 'paused');
  const held = await startRun(t, QUEUED, { input: { text: 'y' }, session_id: session });
  return {
    held,
    release: async () => {
      expect((await send('POST', `/api/v1/runs/${gate.id}:resolve`, { action: 'approve' })).status).toBe(200);
    },
  };
}

const typesOf = (events: RunSseEvent[]) => events.map((event) => event.event);

describe('GET /api/v1/runs/{id}/events', () => {
  it('streams text/event-stream with ids 1..n in order, spec event names, and ends after run_completed', async () => {
    const run = await completedRun('order');

    const response = await openEvents(t, run.id);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await new SseReader(response).readToEnd();
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(typesOf(events)).toEqual([
      'run_started',
      'tool_call',
      'tool_result',
      'tool_call',
      'tool_result',
      'tool_call',
      'tool_result',
      'run_completed',
    ]);
    for (const event of events) {
      expect(RUN_EVENT_TYPES).toContain(event.event);
      expect(event.data).toMatchObject({ run_id: run.id, seq: event.id, type: event.event });
      expect(RUN_EVENT_PAYLOADS[event.data.type].safeParse(event.data.data).success).toBe(true);
    }
    expect(events[0]?.data.data).toMatchObject({
      run_id: run.id,
      agent: THREE_STEPS,
      agent_version: 1,
      trace_id: run.trace_id,
    });
    expect(events[1]?.data.data).toMatchObject({
      step: 'node:one',
      tool: 'echo',
      arguments: { text: 'order 1' },
    });
    expect(events.at(-1)?.data.data).toEqual({ output: 'order 3', usage: run.usage });
  });

  it('streams model tokens, the thought, tool cards and the answer of a react run', async () => {
    model.enqueue(
      { toolCalls: [{ name: 'echo', arguments: { text: 'ping' }, id: 'call_1' }], content: 'I will echo.' },
      { content: 'The echo answered ping, as expected.' },
    );
    const run = await startRun(t, REACT, { input: 'echo ping' });
    await waitForStatus(t, run.id, 'completed');

    const events = await readEvents(t, run.id);

    const types = typesOf(events);
    expect(types[0]).toBe('run_started');
    expect(types.at(-1)).toBe('run_completed');
    expect(types).toContain('step_thought');
    const call = events.find((event) => event.event === 'tool_call');
    expect(call?.data.data).toMatchObject({
      step: 'tool:0:0',
      tool: 'echo',
      arguments: { text: 'ping' },
      call_id: 'call_1',
    });
    const result = events.find((event) => event.event === 'tool_result');
    expect(result?.data.data).toMatchObject({ step: 'tool:0:0', tool: 'echo', call_id: 'call_1' });
    const answerTokens = events
      .filter((event) => event.event === 'token' && event.data.data.step === 'model:1')
      .map((event) => event.data.data.delta)
      .join('');
    expect(answerTokens).toBe('The echo answered ping, as expected.');
    expect(types.indexOf('tool_result')).toBeLessThan(
      events.findIndex((event) => event.event === 'token' && event.data.data.step === 'model:1'),
    );
    expect(events.at(-1)?.data.data).toMatchObject({ output: 'The echo answered ping, as expected.' });
  });

  it('answers POST with stream: true with the event stream of the new run', async () => {
    const response = await t.request('POST', `/api/v1/agents/${THREE_STEPS}/runs`, {
      body: { input: { text: 'streamed' }, stream: true },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await new SseReader(response).readToEnd();
    expect(typesOf(events)[0]).toBe('run_started');
    expect(typesOf(events).at(-1)).toBe('run_completed');
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    const runId = events[0]?.data.run_id ?? '';
    expect(events.every((event) => event.data.run_id === runId)).toBe(true);
    expect(await getRun(t, runId)).toMatchObject({ status: 'completed', output: 'streamed 3' });
  });

  it('resumes after Last-Event-ID with exactly the later events', async () => {
    const run = await completedRun('resume');
    const all = await readEvents(t, run.id);

    for (const k of [0, 1, 3, all.length - 1]) {
      const resumed = await readEvents(t, run.id, { lastEventId: String(k) });
      expect(resumed.map((event) => event.id)).toEqual(all.slice(k).map((event) => event.id));
      expect(resumed.map((event) => event.data)).toEqual(all.slice(k).map((event) => event.data));
    }
  });

  it('ends the stream at once, with no events, for a reconnect after the final event of a finished run', async () => {
    const run = await completedRun('caught-up');
    const last = (await readEvents(t, run.id)).at(-1);
    expect(last?.event).toBe('run_completed');

    const response = await openEvents(t, run.id, { lastEventId: String(last?.id) });

    // 204 tells an EventSource to stop reconnecting; an empty stream that ends is also fine.
    expect([200, 204]).toContain(response.status);
    expect(await new SseReader(response).readToEnd(5_000)).toEqual([]);
  });

  it('resumes after ?after= like Last-Event-ID', async () => {
    const run = await completedRun('after');
    const all = await readEvents(t, run.id);

    const resumed = await readEvents(t, run.id, { after: 2 });

    expect(resumed.map((event) => event.id)).toEqual(all.slice(2).map((event) => event.id));
    expect(typesOf(resumed)).toEqual(typesOf(all.slice(2)));
  });

  it('answers a Last-Event-ID beyond the last event with 400, and ?after= likewise', async () => {
    const run = await completedRun('beyond');
    const count = (await readEvents(t, run.id)).length;

    const header = await sendTo(t, 'GET', `/api/v1/runs/${run.id}/events`, {
      headers: { 'last-event-id': String(count + 1) },
    });
    const query = await sendTo(t, 'GET', `/api/v1/runs/${run.id}/events?after=${count + 5}`);

    const problem = expectProblem(header, 400, 'INVALID_REQUEST');
    expect(problem.errors?.map((error) => error.pointer)).toEqual(['/headers/last-event-id']);
    expectProblem(query, 400, 'INVALID_REQUEST');
  });

  it('answers a non-numeric Last-Event-ID or ?after= with 400', async () => {
    const run = await completedRun('nan');

    for (const id of ['abc', '-1', '1.5', '']) {
      const reply = await sendTo(t, 'GET', `/api/v1/runs/${run.id}/events`, {
        headers: { 'last-event-id': id },
      });
      expect(`${JSON.stringify(id)} → ${reply.status}`).toBe(`${JSON.stringify(id)} → 400`);
    }
    expectProblem(await sendTo(t, 'GET', `/api/v1/runs/${run.id}/events?after=abc`), 400, 'INVALID_REQUEST');
  });

  it('delivers run_started through run_completed live to a client connected before the run started', async () => {
    const { held, release } = await heldRun();
    const response = await openEvents(t, held.id);
    expect(response.status).toBe(200);
    const reader = new SseReader(response);
    // Connected, and the run has still not started.
    expect((await getRun(t, held.id)).status).toBe('pending');

    await release();

    const events = await reader.readToEnd();
    expect(typesOf(events)).toEqual(['run_started', 'tool_call', 'tool_result', 'run_completed']);
    expect(events.map((event) => event.id)).toEqual([1, 2, 3, 4]);
    expect((await getRun(t, held.id)).status).toBe('completed');
  });

  it('gives two concurrent followers every event of the run, in the same order', async () => {
    const { held, release } = await heldRun();
    const first = new SseReader(await openEvents(t, held.id));
    const second = new SseReader(await openEvents(t, held.id));

    await release();

    const [a, b] = await Promise.all([first.readToEnd(), second.readToEnd()]);
    expect(typesOf(a)).toEqual(['run_started', 'tool_call', 'tool_result', 'run_completed']);
    expect(b.map((event) => event.data)).toEqual(a.map((event) => event.data));
    expect(await readEvents(t, held.id)).toEqual(a);
  });

  it('streams run_paused and run_resumed to a follower of an approval run', async () => {
    const run = await startRun(t, GATE, { input: { text: 'pause me' } });
    const reader = new SseReader(await openEvents(t, run.id));
    const started = await reader.next();
    const paused = await reader.next();
    expect([started?.event, paused?.event]).toEqual(['run_started', 'run_paused']);
    expect(paused?.data.data).toMatchObject({ reason: 'approval', step: 'node:gate' });

    await send('POST', `/api/v1/runs/${run.id}:resolve`, { action: 'approve', comment: 'fine' });

    const rest = await reader.readToEnd();
    expect(typesOf(rest)).toEqual([
      'run_started',
      'run_paused',
      'run_resumed',
      'tool_call',
      'tool_result',
      'run_completed',
    ]);
    expect(rest[2]?.data.data).toMatchObject({ action: 'approve', by: 'admin' });
  });
});
