import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run, RunStep, ToolInvokeResult } from '../../src/contracts/index.ts';
import { applyAs, isolatedTenant } from '../support/governance.ts';
import { expectProblem, sendTo } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { echoAgent, startRun, waitForStatus, waitUntil, workflowAgent } from '../support/runs.ts';

/**
 * `type: agent` tools: another agent as a tool. A call is a child run of the calling run (same
 * principal, same trace, `metadata.parent_run`), waited for; depth is bounded.
 */
let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform({ workerPollMs: 100, workerConcurrency: 8 });
});

afterAll(async () => {
  await t?.close();
});

const agentTool = (name: string, config: object, spec: object = {}) => ({
  apiVersion: 'agenticai.dev/v1alpha1',
  kind: 'Tool',
  metadata: { name },
  spec: { type: 'agent', config, ...spec },
});

const textOf = (result: ToolInvokeResult) => result.content.map((part) => String(part.text ?? '')).join('');

async function runsOf(key: string, agent: string): Promise<Run[]> {
  const reply = await sendTo<{ items: Run[] }>(t, 'GET', `/api/v1/runs?agent=${agent}&limit=50`, {
    apiKey: key,
  });
  expect(reply.status).toBe(200);
  return reply.body.items;
}

describe('agent tools', () => {
  it('runs the agent for a direct call and answers with its output', async () => {
    const { admin } = await isolatedTenant(t);
    await applyAs(t, admin, [
      echoAgent('echoer'),
      agentTool(
        'ask-echoer',
        { agent: 'echoer' },
        {
          description: 'Echo through an agent',
          parameters: [{ name: 'text', type: 'string', required: true }],
        },
      ),
    ]);
    const info = await sendTo<{ type: string; parameters: object }>(t, 'GET', '/api/v1/tools/ask-echoer', {
      apiKey: admin,
    });
    expect(info.body).toMatchObject({ type: 'agent' });
    const reply = await sendTo<ToolInvokeResult>(t, 'POST', '/api/v1/tools/ask-echoer:invoke', {
      apiKey: admin,
      body: { arguments: { text: 'hello from the tool' } },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.isError).toBe(false);
    expect(textOf(reply.body)).toBe('hello from the tool');
    const [child] = await runsOf(admin, 'echoer');
    expect(child).toMatchObject({ status: 'completed', metadata: { agent_depth: '1' } });
    expect(child?.created_by).toMatch(/^admin-/);
  });

  it('makes a run’s call a child run: the calling principal, the same trace, parent_run, one per step', async () => {
    const { admin } = await isolatedTenant(t);
    await applyAs(t, admin, [
      echoAgent('echoer'),
      agentTool(
        'ask-echoer',
        { agent: 'echoer' },
        { parameters: [{ name: 'text', type: 'string', required: true }] },
      ),
      workflowAgent(
        'manager',
        {
          nodes: [{ id: 'delegate', type: 'tool', tool: 'ask-echoer', args: { text: '${input.text}' } }],
          output: '${nodes.delegate.output}',
        },
        { tools: ['ask-echoer'] },
      ),
    ]);
    const parent = await startRun(t, 'manager', { input: { text: 'delegated' } }, { apiKey: admin });
    const done = await waitForStatus(t, parent.id, 'completed', { apiKey: admin, timeoutMs: 60_000 });
    const children = await runsOf(admin, 'echoer');
    expect(children).toHaveLength(1);
    const child = children[0] as Run;
    expect(child).toMatchObject({
      status: 'completed',
      output: 'delegated',
      created_by: parent.created_by,
      trace_id: parent.trace_id,
      metadata: { parent_run: parent.id, agent_depth: '1' },
    });
    expect(JSON.stringify(done.output)).toContain('delegated');
  });

  it('stops agents calling agents at maxDepth, whatever metadata the first run was given', async () => {
    const { admin } = await isolatedTenant(t);
    await applyAs(t, admin, [
      agentTool(
        'ask-self',
        { agent: 'recursive', maxDepth: 2, timeout: '30s' },
        { parameters: [{ name: 'text', type: 'string', required: true }] },
      ),
      workflowAgent(
        'recursive',
        { nodes: [{ id: 'again', type: 'tool', tool: 'ask-self', args: { text: 'again' } }] },
        { tools: ['ask-self'] },
      ),
    ]);
    // Run metadata is the client's: a forged depth or parent must not lift the limit.
    const top = await startRun(
      t,
      'recursive',
      { input: 'go', metadata: { agent_depth: '-100', parent_run: 'no-such-run' } },
      { apiKey: admin },
    );
    await waitForStatus(t, top.id, ['completed', 'failed'], { apiKey: admin, timeoutMs: 60_000 });
    const all = await waitUntil(
      () => runsOf(admin, 'recursive'),
      (runs) => runs.length === 3 && runs.every((run) => ['completed', 'failed'].includes(run.status)),
      (runs) => runs.map((run) => `${run.status} ${JSON.stringify(run.metadata)}`).join('; '),
    );
    const deepest = all.find((run) => run.metadata.agent_depth === '2' && run.id !== top.id) as Run;
    const steps = await sendTo<{ items: RunStep[] }>(t, 'GET', `/api/v1/runs/${deepest.id}/steps`, {
      apiKey: admin,
    });
    expect(JSON.stringify(steps.body)).toContain('agents may call agents 2 deep at most');
  });

  it('answers an error result for an agent that does not exist, and refuses a tool without one', async () => {
    const { admin } = await isolatedTenant(t);
    await applyAs(t, admin, [agentTool('ask-ghost', { agent: 'ghost' })]);
    const reply = await sendTo<ToolInvokeResult>(t, 'POST', '/api/v1/tools/ask-ghost:invoke', {
      apiKey: admin,
      body: { arguments: { input: 'anyone there?' } },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.isError).toBe(true);
    expect(textOf(reply.body)).toMatch(/agent ghost: .*ghost/);
    const bad = await sendTo(t, 'POST', '/api/v1/apply', {
      apiKey: admin,
      body: { items: [agentTool('ask-nobody', { timeout: 'soon' })] },
    });
    const problem = expectProblem(bad, 400, 'INVALID_REQUEST');
    const pointers = (problem.errors ?? []).map((error) => error.pointer);
    expect(pointers.some((pointer) => pointer.endsWith('/spec/config/agent'))).toBe(true);
    expect(pointers.some((pointer) => pointer.endsWith('/spec/config/timeout'))).toBe(true);
  });
});
