// biome-ignore-all lint/suspicious/noThenProperty: condition nodes have a `then` key (a node id), as users write it in YAML.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type ScriptedModelServer,
  startScriptedModelServer,
} from '../../../test/support/scripted-model-server.ts';
import { AgentSpecSchema } from '../../contracts/index.ts';
import {
  BaseToolConfigSchema,
  BUILTIN_TOOLS,
  BuiltinToolInvoker,
  defineBuiltinTool,
  textResult,
} from '../../tools/index.ts';
import { OpenAICompatibleModelClient } from '../model/index.ts';
import { RunPaused } from '../ports.ts';
import {
  type ApprovalScript,
  InlineRunContext,
  type RecordedStep,
} from './inline-run-context.test-support.ts';
import { type WorkflowAgentSpec, WorkflowRuntime } from './workflow-runtime.ts';

/**
 * What crash recovery and pause / resume rely on: executing a run again with the steps an
 * earlier execution recorded replays them without repeating tool or model calls.
 */

function counters() {
  const calls: { tool: string; idempotencyKey: string }[] = [];
  const tool = (name: string, idempotent: boolean) =>
    defineBuiltinTool({
      name,
      description: name,
      args: z.record(z.string(), z.unknown()),
      config: BaseToolConfigSchema,
      idempotent,
      run: async (args, { idempotencyKey }) => {
        calls.push({ tool: name, idempotencyKey });
        return textResult(name, { tool: name, args, call: calls.length });
      },
    });
  const invoker = new BuiltinToolInvoker([...BUILTIN_TOOLS, tool('lookup', true), tool('ticket', false)]);
  return { invoker, calls };
}

let server: ScriptedModelServer;
const models = new OpenAICompatibleModelClient();

beforeAll(async () => {
  server = await startScriptedModelServer();
});

afterAll(async () => {
  models.close();
  await server?.close();
});

async function setup(workflow: unknown, answers: string[] = []) {
  const { invoker, calls } = counters();
  server.enqueue(...answers.map((content) => ({ content })));
  const firstRequest = server.requestCount;
  const modelCalls = () => server.requestCount - firstRequest;
  const spec = AgentSpecSchema.parse({
    model: { backend: 'local', name: 'qwen' },
    runtime: 'workflow',
    tools: ['lookup', 'ticket', 'echo'],
    workflow,
  }) as WorkflowAgentSpec;
  const resolved = {
    tools: await invoker.resolve([{ name: 'lookup' }, { name: 'ticket' }, { name: 'echo' }]),
    model: { backend: 'scripted', endpoint: server.url, timeoutMs: 5_000 },
  };
  const runtime = new WorkflowRuntime({ models, tools: invoker });
  const execute = (
    options: { steps?: readonly RecordedStep[]; approvals?: ApprovalScript; input?: unknown } = {},
  ) => {
    const ctx = new InlineRunContext({ input: options.input ?? { ip: '10.0.0.1' }, ...options });
    const result = runtime.execute(ctx, spec, resolved);
    return { ctx, result };
  };
  return { execute, calls, modelCalls };
}

const triage = {
  nodes: [
    { id: 'lookup', type: 'tool', tool: 'lookup', args: { ip: '${input.ip}' }, next: 'fanout' },
    { id: 'fanout', type: 'parallel', branches: ['geo', 'rep'], next: 'explain' },
    { id: 'geo', type: 'tool', tool: 'lookup', args: { what: 'geo' } },
    { id: 'rep', type: 'tool', tool: 'lookup', args: { what: 'rep' } },
    { id: 'explain', type: 'llm', prompt: 'Explain call ${nodes.lookup.output.call}', next: 'each' },
    {
      id: 'each',
      type: 'map',
      items: '${input.ports}',
      node: { type: 'tool', tool: 'lookup', args: { port: '${item}' } },
      next: 'serious',
    },
    { id: 'serious', type: 'condition', expression: 'nodes.lookup.output.call == 1.0', then: 'open' },
    { id: 'open', type: 'tool', tool: 'ticket', args: { summary: '${nodes.explain.output}' } },
  ],
  output: { ticket: '${nodes.open.output}', ports: '${nodes.each.output}' },
};

describe('WorkflowRuntime: replay', () => {
  it('replays a finished run from its recorded steps without calling tools or the model again', async () => {
    const { execute, calls, modelCalls } = await setup(triage, ['Looks bad.']);
    const first = execute({ input: { ip: '10.0.0.1', ports: [22, 80] } });
    const output = await first.result;
    const toolCalls = calls.length;
    expect(toolCalls).toBe(6);
    expect(first.ctx.executed).toHaveLength(8);

    const second = execute({ input: { ip: '10.0.0.1', ports: [22, 80] }, steps: first.ctx.steps });
    await expect(second.result).resolves.toEqual(output);
    expect(calls).toHaveLength(toolCalls);
    expect(modelCalls()).toBe(1);
    expect(second.ctx.executed).toEqual([]);
    expect(second.ctx.replayed).toEqual(first.ctx.steps.map((step) => step.key));
    expect(second.ctx.events).toEqual([]);
    expect(second.ctx.usage).toEqual([]);
  });

  it('continues after the last completed step, running only what is missing', async () => {
    const { execute, calls } = await setup(triage, ['Looks bad.']);
    const first = execute({ input: { ip: '10.0.0.1', ports: [22, 80] } });
    const output = await first.result;
    // The worker died after the first map item: the rest never reached the store.
    const cut = first.ctx.steps.findIndex((step) => step.key === 'node:each[1]');
    const before = calls.length;

    const second = execute({
      input: { ip: '10.0.0.1', ports: [22, 80] },
      steps: first.ctx.steps.slice(0, cut),
    });
    const [firstPort] = (output as { ports: unknown[] }).ports;
    await expect(second.result).resolves.toMatchObject({ ports: [firstPort, { args: { port: 80 } }] });
    expect(second.ctx.executed).toEqual(['node:each[1]', 'node:serious', 'node:open']);
    expect(calls.slice(before).map((call) => call.idempotencyKey)).toEqual([
      'run-test:node:each[1]',
      'run-test:node:open',
    ]);
  });

  it('re-runs an idempotent tool left in doubt, with the same idempotency key', async () => {
    const { execute, calls } = await setup({
      nodes: [{ id: 'lookup', type: 'tool', tool: 'lookup', args: {} }],
    });
    const first = execute();
    await first.result;
    const inDoubt = first.ctx.steps.map((step) => ({
      ...step,
      status: 'started' as const,
      output: undefined,
    }));

    const second = execute({ steps: inDoubt });
    await expect(second.result).resolves.toMatchObject({ tool: 'lookup' });
    expect(calls.map((call) => call.idempotencyKey)).toEqual([
      'run-test:node:lookup',
      'run-test:node:lookup',
    ]);
    expect(second.ctx.steps[0]?.attempts).toBe(2);
  });

  it('pauses in doubt instead of repeating a non-idempotent tool', async () => {
    const { execute, calls } = await setup({
      nodes: [
        { id: 'lookup', type: 'tool', tool: 'lookup', args: {}, next: 'open' },
        { id: 'open', type: 'tool', tool: 'ticket', args: {} },
      ],
    });
    const first = execute();
    await first.result;
    const [lookup, open] = first.ctx.steps;
    if (!lookup || !open) throw new Error('expected two steps');

    const second = execute({ steps: [lookup, { ...open, status: 'started', output: undefined }] });
    await expect(second.result).rejects.toMatchObject({ reason: 'in_doubt', details: { step: 'node:open' } });
    await expect(second.result).rejects.toBeInstanceOf(RunPaused);
    expect(calls.map((call) => call.tool)).toEqual(['lookup', 'ticket']);
  });

  it('resumes a run paused for approval where it stopped', async () => {
    const { execute, calls } = await setup({
      nodes: [
        { id: 'lookup', type: 'tool', tool: 'lookup', args: {}, next: 'confirm' },
        { id: 'confirm', type: 'approval', message: 'Open a ticket for ${input.ip}?', next: 'open' },
        { id: 'open', type: 'tool', tool: 'ticket', args: { approvedBy: '${nodes.confirm.output.by}' } },
      ],
    });
    const first = execute();
    await expect(first.result).rejects.toMatchObject({
      reason: 'approval',
      details: { key: 'node:confirm' },
    });
    expect(calls.map((call) => call.tool)).toEqual(['lookup']);

    const second = execute({
      steps: first.ctx.steps,
      approvals: { 'node:confirm': { approved: true, by: 'carol' } },
    });
    await expect(second.result).resolves.toMatchObject({ args: { approvedBy: 'carol' } });
    expect(calls.map((call) => call.tool)).toEqual(['lookup', 'ticket']);
    expect(second.ctx.replayed).toEqual(['node:lookup']);
  });

  it('replays loops step by step, since keys depend only on the path taken', async () => {
    const { execute, calls } = await setup({
      nodes: [
        { id: 'poll', type: 'tool', tool: 'lookup', args: {}, next: 'again' },
        { id: 'again', type: 'condition', expression: 'nodes.poll.output.call < 3.0', then: 'poll' },
      ],
    });
    const first = execute();
    await expect(first.result).resolves.toMatchObject({ call: 3 });
    const second = execute({ steps: first.ctx.steps });
    await expect(second.result).resolves.toMatchObject({ call: 3 });
    expect(calls).toHaveLength(3);
    expect(second.ctx.replayed).toEqual([
      'node:poll',
      'node:again',
      'node:poll#2',
      'node:again#2',
      'node:poll#3',
      'node:again#3',
    ]);
  });
});
