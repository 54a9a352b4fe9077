import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Run } from '../../src/contracts/index.ts';
import { expectProblem, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { createAgent, echoAgent, postRun, tenantAdminKey, waitForStatus } from '../support/runs.ts';

let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform({ workerPollMs: 200 });
});

afterAll(async () => {
  await t?.close();
});

async function echoAgentNamed(apiKey?: string): Promise<string> {
  const name = unique('idem');
  await createAgent(t, echoAgent(name), apiKey ? { apiKey } : {});
  return name;
}

async function runsOf(agent: string, apiKey?: string): Promise<Run[]> {
  const reply = await sendTo<Page<Run>>(t, 'GET', `/api/v1/runs?agent=${agent}&limit=500`, {
    ...(apiKey ? { apiKey } : {}),
  });
  expect(reply.status).toBe(200);
  return reply.body.items;
}

describe('idempotency keys', () => {
  it('returns the same run with 200 for a repeat of the same key and body, without starting another', async () => {
    const agent = await echoAgentNamed();
    const body = { input: { text: 'once' }, idempotency_key: unique('key') };

    const first = await postRun(t, agent, body);
    const second = await postRun(t, agent, body);

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.idempotency_key).toBe(body.idempotency_key);
    await waitForStatus(t, first.body.id, 'completed');
    const third = await postRun(t, agent, body);
    expect(third.status).toBe(200);
    expect(third.body).toMatchObject({ id: first.body.id, status: 'completed', output: 'once' });
    expect((await runsOf(agent)).map((run) => run.id)).toEqual([first.body.id]);
  });

  it('answers 409 for the same key with a different body, and names the earlier run', async () => {
    const agent = await echoAgentNamed();
    const key = unique('key');
    const first = await postRun(t, agent, { input: { text: 'original' }, idempotency_key: key });
    expect(first.status).toBe(201);

    const changedInput = await postRun(t, agent, { input: { text: 'changed' }, idempotency_key: key });
    const changedMetadata = await postRun(t, agent, {
      input: { text: 'original' },
      idempotency_key: key,
      metadata: { extra: 'yes' },
    });

    expect(expectProblem(changedInput, 409, 'CONFLICT').detail).toContain(first.body.id);
    expectProblem(changedMetadata, 409, 'CONFLICT');
    expect((await runsOf(agent)).map((run) => run.id)).toEqual([first.body.id]);
  });

  it('treats the Idempotency-Key header like the idempotency_key field', async () => {
    const agent = await echoAgentNamed();
    const key = unique('header');

    const byHeader = await postRun(
      t,
      agent,
      { input: { text: 'h' } },
      { headers: { 'idempotency-key': key } },
    );
    const againByHeader = await postRun(
      t,
      agent,
      { input: { text: 'h' } },
      { headers: { 'idempotency-key': key } },
    );
    const byField = await postRun(t, agent, { input: { text: 'h' }, idempotency_key: key });
    const different = await postRun(
      t,
      agent,
      { input: { text: 'other' } },
      { headers: { 'idempotency-key': key } },
    );

    expect(byHeader.status).toBe(201);
    expect(byHeader.body.idempotency_key).toBe(key);
    expect(againByHeader.status).toBe(200);
    expect(againByHeader.body.id).toBe(byHeader.body.id);
    expect(byField.status).toBe(200);
    expect(byField.body.id).toBe(byHeader.body.id);
    expectProblem(different, 409, 'CONFLICT');
    expect(await runsOf(agent)).toHaveLength(1);
  });

  it('answers 400 when the Idempotency-Key header and the idempotency_key field differ', async () => {
    const agent = await echoAgentNamed();

    const problem = expectProblem(
      await postRun(
        t,
        agent,
        { input: { text: 'x' }, idempotency_key: 'field-key' },
        { headers: { 'idempotency-key': 'header-key' } },
      ),
      400,
      'INVALID_REQUEST',
    );

    expect(problem.errors?.map((error) => error.pointer)).toEqual(['/idempotency_key']);
    expect(await runsOf(agent)).toEqual([]);
  });

  it('lets exactly one of 20 concurrent POSTs with one key create the run', async () => {
    const agent = await echoAgentNamed();
    const key = unique('race');
    const body = { input: { text: 'raced' }, idempotency_key: key };

    const replies = await Promise.all(Array.from({ length: 20 }, () => postRun(t, agent, body)));

    expect(replies.filter((reply) => reply.status === 201)).toHaveLength(1);
    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(19);
    const ids = new Set(replies.map((reply) => reply.body.id));
    expect(ids.size).toBe(1);
    const runs = await runsOf(agent);
    expect(runs.map((run) => [run.id, run.idempotency_key])).toEqual([[replies[0]?.body.id, key]]);
    expect((await waitForStatus(t, runs[0]?.id ?? '', 'completed')).output).toBe('raced');
  });

  it('keeps keys per tenant: another tenant may use the same key for its own run', async () => {
    const otherKey = await tenantAdminKey(t, unique('tenant'));
    const agent = unique('shared');
    await createAgent(t, echoAgent(agent));
    await createAgent(t, echoAgent(agent), { apiKey: otherKey });
    const key = unique('key');

    const mine = await postRun(t, agent, { input: { text: 'default' }, idempotency_key: key });
    const theirs = await postRun(
      t,
      agent,
      { input: { text: 'other tenant' }, idempotency_key: key },
      { apiKey: otherKey },
    );

    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect((await waitForStatus(t, theirs.body.id, 'completed', { apiKey: otherKey })).output).toBe(
      'other tenant',
    );
    expect((await waitForStatus(t, mine.body.id, 'completed')).output).toBe('default');
    expect((await runsOf(agent, otherKey)).map((run) => run.id)).toEqual([theirs.body.id]);
    expect((await runsOf(agent)).map((run) => run.id)).toEqual([mine.body.id]);
  });
});
