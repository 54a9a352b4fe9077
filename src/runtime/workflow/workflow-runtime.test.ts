// biome-ignore-all lint/suspicious/noThenProperty: condition nodes have a `then` key (a node id), as users write it in YAML.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import {
  type ScriptedModelServer,
  startScriptedModelServer,
} from '../../../test/support/scripted-model-server.ts';
import { AgentManifestSchema, AgentSpecSchema, WorkflowSchema } from '../../contracts/index.ts';
import {
  BaseToolConfigSchema,
  BUILTIN_TOOLS,
  BuiltinToolInvoker,
  defineBuiltinTool,
  errorResult,
  textResult,
} from '../../tools/index.ts';
import { OpenAICompatibleModelClient } from '../model/index.ts';
import { type ModelTarget, RunPaused } from '../ports.ts';
import { WORKFLOW_OUTPUT, WorkflowNodeError } from './errors.ts';
import { type ApprovalScript, InlineRunContext } from './inline-run-context.test-support.ts';
import { MAX_NODE_EXECUTIONS } from './workflow-run.ts';
import { type WorkflowAgentSpec, WorkflowRuntime } from './workflow-runtime.ts';

const SCORES: Record<string, number> = {
  '10.0.0.1': 72,
  '10.0.0.2': 10,
  '10.0.0.3': 55,
  '10.0.0.4': 3,
  '10.0.0.5': 99,
};

/** Built-in tools plus scripted ones that count calls and concurrency. */
function testTools() {
  const calls: { tool: string; args: unknown; idempotencyKey: string }[] = [];
  const concurrency = { now: 0, max: 0 };
  let counter = 0;
  const lookup = defineBuiltinTool({
    name: 'lookup',
    description: 'Scores an IP',
    args: z.strictObject({ ip: z.string(), delayMs: z.number().optional() }),
    config: BaseToolConfigSchema,
    idempotent: true,
    run: async ({ ip, delayMs }, { idempotencyKey, signal }) => {
      calls.push({ tool: 'lookup', args: { ip }, idempotencyKey });
      concurrency.now += 1;
      concurrency.max = Math.max(concurrency.max, concurrency.now);
      try {
        await sleep(delayMs ?? 5, undefined, { signal });
      } finally {
        concurrency.now -= 1;
      }
      const score = SCORES[ip] ?? 0;
      return textResult(`${ip} scores ${score}`, { ip, score, items: [{ ip, tags: ['scanned'] }] });
    },
  });
  const ticket = defineBuiltinTool({
    name: 'ticket',
    description: 'Opens a ticket (not idempotent)',
    args: z.record(z.string(), z.unknown()),
    config: BaseToolConfigSchema,
    idempotent: false,
    run: async (args, { idempotencyKey }) => {
      calls.push({ tool: 'ticket', args, idempotencyKey });
      return textResult(`opened T-${calls.length}`);
    },
  });
  const count = defineBuiltinTool({
    name: 'count',
    description: 'Returns how often it was called',
    args: z.strictObject({}),
    config: BaseToolConfigSchema,
    idempotent: true,
    run: async () => {
      counter += 1;
      return textResult(String(counter), { n: counter });
    },
  });
  const fail = defineBuiltinTool({
    name: 'fail',
    description: 'Always fails',
    args: z.strictObject({}),
    config: BaseToolConfigSchema,
    idempotent: true,
    run: async () => errorResult('upstream said no'),
  });
  const invoker = new BuiltinToolInvoker([...BUILTIN_TOOLS, lookup, ticket, count, fail]);
  return { invoker, calls, concurrency };
}

let server: ScriptedModelServer;
let target: ModelTarget;
const models = new OpenAICompatibleModelClient();

beforeAll(async () => {
  server = await startScriptedModelServer();
  target = { backend: 'scripted', endpoint: server.url, timeoutMs: 5_000 };
});

afterAll(async () => {
  models.close();
  await server?.close();
});

interface RunOptions {
  input?: unknown;
  approvals?: ApprovalScript;
  /** What the scripted provider answers, one reply per model call. */
  answers?: string[];
  /** null: the agent has no model backend. */
  model?: null;
  signal?: AbortSignal;
  tools?: string[];
  systemPrompt?: string;
}

async function runWorkflow(workflow: unknown, options: RunOptions = {}) {
  const { invoker, calls, concurrency } = testTools();
  const spec = AgentSpecSchema.parse({
    model: { backend: 'local', name: 'qwen', temperature: 0.2 },
    runtime: 'workflow',
    systemPrompt: options.systemPrompt,
    tools: options.tools ?? ['echo', 'sleep', 'lookup', 'ticket', 'count', 'fail'],
    workflow,
  }) as WorkflowAgentSpec;
  const resolved = {
    tools: await invoker.resolve(
      (spec.tools ?? []).map((ref) => (typeof ref === 'string' ? { name: ref } : ref)),
    ),
    ...(options.model === null ? {} : { model: target }),
  };
  const ctx = new InlineRunContext({
    input: options.input ?? {},
    approvals: options.approvals,
    signal: options.signal,
  });
  const firstRequest = server.requestCount;
  server.enqueue(...(options.answers ?? []).map((content) => ({ content })));
  const runtime = new WorkflowRuntime({ models, tools: invoker });
  const outcome = await runtime.execute(ctx, spec, resolved).then(
    (output) => ({ ok: true as const, output }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const modelRequests = server.requests.slice(firstRequest);
  return { ...outcome, ctx, calls, concurrency, modelRequests };
}

function errorOf(outcome: { ok: boolean; error?: unknown }): Error {
  if (outcome.ok) throw new Error('expected the workflow to fail');
  if (!(outcome.error instanceof Error)) throw new Error(`not an Error: ${String(outcome.error)}`);
  return outcome.error;
}

const keys = (ctx: InlineRunContext) => ctx.steps.map((step) => step.key);

describe('WorkflowRuntime: the incident-report example', () => {
  const manifest = parseAllDocuments(
    readFileSync(resolve(import.meta.dirname, '../../../examples/agents/support-assistant.yaml'), 'utf8'),
  )
    .map((document) => AgentManifestSchema.parse(document.toJS()))
    .find((agent) => agent.metadata.name === 'incident-report');
  const workflow = manifest?.spec.workflow;

  it('files a low-severity incident without a model and without asking anyone', async () => {
    const run = await runWorkflow(workflow, {
      input: { id: 'INC-1', title: 'Disk full', severity: 'low' },
      model: null,
      tools: ['echo'],
    });
    expect(run.ok && run.output).toBe('Report filed for INC-1');
    expect(keys(run.ctx)).toEqual(['node:summary', 'node:severity', 'node:done']);
    expect(run.ctx.steps[0]).toMatchObject({
      kind: 'workflow_node',
      name: 'summary',
      input: { text: 'Incident INC-1: Disk full' },
      idempotent: true,
      status: 'completed',
      output: { text: 'Incident INC-1: Disk full' },
    });
    expect(run.ctx.steps[1]).toMatchObject({
      input: { expression: "input.severity == 'high'" },
      output: false,
    });
    expect(run.ctx.eventsOf('step_thought')).toEqual([
      { text: 'severity: false → done', step: 'node:severity' },
    ]);
    expect(run.ctx.eventsOf('tool_call').map((event) => event.step)).toEqual(['node:summary', 'node:done']);
    expect(run.ctx.eventsOf('tool_result')[0]?.result.isError).toBe(false);
    expect(run.ctx.approvalRequests).toEqual([]);
  });

  it('asks for approval on a high-severity incident, then files it', async () => {
    const run = await runWorkflow(workflow, {
      input: { id: 'INC-2', title: 'Breach', severity: 'high' },
      approvals: { 'node:escalate': { approved: true, by: 'alice' } },
      tools: ['echo'],
    });
    expect(run.ok && run.output).toBe('Report filed for INC-2');
    expect(run.ctx.approvalRequests).toEqual([
      {
        key: 'node:escalate',
        message: 'Escalate incident INC-2 to the on-call lead?',
        details: { node: 'escalate' },
      },
    ]);
    expect(run.ctx.eventsOf('step_thought')[0]?.text).toBe('severity: true → escalate');
  });
});

describe('WorkflowRuntime: graph', () => {
  const chain = {
    nodes: [
      { id: 'lookup', type: 'tool', tool: 'lookup', args: { ip: '${input.ip}' }, next: 'report' },
      {
        id: 'report',
        type: 'tool',
        tool: 'ticket',
        args: {
          score: '${nodes.lookup.output.score}',
          first: '${nodes.lookup.output.items[0]}',
          title: 'IP ${input.ip} scored ${nodes.lookup.output.score}: ${nodes.lookup.output.items[0]}',
          literal: 7,
        },
      },
    ],
  };

  it('runs a linear chain, passing raw values and interpolated text by reference', async () => {
    const run = await runWorkflow(chain, { input: { ip: '10.0.0.1' } });
    expect(run.ok && run.output).toBe('opened T-2');
    expect(run.calls.map((call) => call.args)).toEqual([
      { ip: '10.0.0.1' },
      {
        score: 72,
        first: { ip: '10.0.0.1', tags: ['scanned'] },
        title: 'IP 10.0.0.1 scored 72: {"ip":"10.0.0.1","tags":["scanned"]}',
        literal: 7,
      },
    ]);
    expect(run.calls.map((call) => call.idempotencyKey)).toEqual([
      'run-test:node:lookup',
      'run-test:node:report',
    ]);
    expect(run.ctx.steps.map((step) => step.idempotent)).toEqual([true, false]);
  });

  it('fails the node, naming the reference, when a path is missing', async () => {
    const run = await runWorkflow(chain, { input: { address: '10.0.0.1' } });
    const error = errorOf(run);
    expect(error).toBeInstanceOf(WorkflowNodeError);
    expect(error).toMatchObject({ nodeId: 'lookup' });
    expect(error.message).toBe('node lookup: reference ${input.ip} not found: input has no key "ip"');
    expect(run.calls).toEqual([]);
  });

  it('starts at workflow.start when given and ends at a node without next', async () => {
    const run = await runWorkflow({
      start: 'second',
      nodes: [
        { id: 'first', type: 'tool', tool: 'echo', args: { text: 'one' } },
        { id: 'second', type: 'tool', tool: 'echo', args: { text: 'two' } },
      ],
    });
    expect(keys(run.ctx)).toEqual(['node:second']);
    expect(run.ok && run.output).toEqual({ text: 'two' });
  });

  const routed = (otherwise?: string) => ({
    nodes: [
      { id: 'lookup', type: 'tool', tool: 'lookup', args: { ip: '${input.ip}' }, next: 'risky' },
      {
        id: 'risky',
        type: 'condition',
        expression: 'nodes.lookup.output.score > 50',
        then: 'block',
        ...(otherwise ? { else: otherwise } : {}),
      },
      { id: 'block', type: 'tool', tool: 'echo', args: { text: 'blocked ${input.ip}' } },
      { id: 'allow', type: 'tool', tool: 'echo', args: { text: 'allowed ${input.ip}' } },
    ],
  });

  it('follows then when a condition holds and else when it does not', async () => {
    const high = await runWorkflow(routed('allow'), { input: { ip: '10.0.0.1' } });
    expect(keys(high.ctx)).toEqual(['node:lookup', 'node:risky', 'node:block']);
    expect(high.ok && high.output).toEqual({ text: 'blocked 10.0.0.1' });

    const low = await runWorkflow(routed('allow'), { input: { ip: '10.0.0.2' } });
    expect(keys(low.ctx)).toEqual(['node:lookup', 'node:risky', 'node:allow']);
    expect(low.ctx.eventsOf('step_thought')).toEqual([{ text: 'risky: false → allow', step: 'node:risky' }]);
  });

  it('ends when a condition without else is false, answering with the last non-condition output', async () => {
    const run = await runWorkflow(routed(), { input: { ip: '10.0.0.2' } });
    expect(keys(run.ctx)).toEqual(['node:lookup', 'node:risky']);
    expect(run.ctx.eventsOf('step_thought')[0]?.text).toBe('risky: false → end');
    expect(run.ok && run.output).toMatchObject({ ip: '10.0.0.2', score: 10 });
  });

  it('fails a condition that does not yield a boolean, naming the node', async () => {
    const run = await runWorkflow(
      { nodes: [{ id: 'check', type: 'condition', expression: 'input.severity', then: 'check' }] },
      { input: { severity: 'high' } },
    );
    expect(errorOf(run)).toMatchObject({ nodeId: 'check' });
    expect(errorOf(run).message).toBe('condition check: input.severity must yield a boolean, got a string');
  });

  it('answers with the workflow.output template when set', async () => {
    const run = await runWorkflow(
      { ...chain, output: { ticket: '${nodes.report.output}', score: '${nodes.lookup.output.score}' } },
      { input: { ip: '10.0.0.5' } },
    );
    expect(run.ok && run.output).toEqual({ ticket: 'opened T-2', score: 99 });
  });

  it('fails naming the output template when it references a node that did not run', async () => {
    const run = await runWorkflow(
      { ...routed(), output: '${nodes.block.output.text}' },
      { input: { ip: '10.0.0.2' } },
    );
    expect(errorOf(run)).toMatchObject({ nodeId: WORKFLOW_OUTPUT });
    expect(errorOf(run).message).toBe(
      'workflow output: reference ${nodes.block.output.text} not found: node block has not run',
    );
  });

  it('loops through a condition, suffixing the visit count to step keys', async () => {
    const run = await runWorkflow({
      nodes: [
        { id: 'tick', type: 'tool', tool: 'count', next: 'again' },
        { id: 'again', type: 'condition', expression: 'nodes.tick.output.n < 3.0', then: 'tick' },
      ],
    });
    expect(keys(run.ctx)).toEqual([
      'node:tick',
      'node:again',
      'node:tick#2',
      'node:again#2',
      'node:tick#3',
      'node:again#3',
    ]);
    expect(run.ok && run.output).toEqual({ n: 3 });
  });

  it(`stops a workflow that loops forever after ${MAX_NODE_EXECUTIONS} node executions`, async () => {
    const run = await runWorkflow({
      nodes: [
        { id: 'spin', type: 'tool', tool: 'echo', args: { text: 'again' }, next: 'forever' },
        { id: 'forever', type: 'condition', expression: 'true', then: 'spin' },
      ],
    });
    expect(errorOf(run).message).toBe('workflow exceeded 1000 node executions (at node spin)');
    expect(run.ctx.steps).toHaveLength(MAX_NODE_EXECUTIONS);
    expect(new Set(keys(run.ctx)).size).toBe(MAX_NODE_EXECUTIONS);
  });
});

describe('WorkflowRuntime: parallel cycles', () => {
  it('caps executions through parallel nodes that start each other', async () => {
    const run = await runWorkflow({
      nodes: [
        { id: 'outer', type: 'parallel', branches: ['inner'] },
        { id: 'inner', type: 'parallel', branches: ['outer'] },
      ],
    });
    expect(errorOf(run).message).toBe('workflow exceeded 1000 node executions (at node outer)');
  });

  it('is refused by the schema when a parallel node lists itself or a branch twice', () => {
    const result = WorkflowSchema.safeParse({
      nodes: [
        { id: 'fan', type: 'parallel', branches: ['a', 'fan', 'a'] },
        { id: 'a', type: 'tool', tool: 'echo' },
      ],
    });
    expect(
      result.success ? [] : result.error.issues.map((issue) => [issue.path.join('/'), issue.message]),
    ).toEqual([
      ['nodes/0/branches/1', 'a parallel node cannot be its own branch'],
      ['nodes/0/branches/2', 'branch a is listed twice'],
    ]);
  });
});

describe('WorkflowRuntime: tools', () => {
  it('fails the node with the tool message when the tool answers isError', async () => {
    const run = await runWorkflow({
      nodes: [
        { id: 'broken', type: 'tool', tool: 'fail', next: 'after' },
        { id: 'after', type: 'tool', tool: 'echo', args: { text: 'never' } },
      ],
    });
    const error = errorOf(run);
    expect(error).toMatchObject({ name: 'WorkflowNodeError', nodeId: 'broken' });
    expect(error.message).toBe('node broken: tool fail failed: upstream said no');
    expect(run.ctx.steps.map((step) => [step.key, step.status])).toEqual([['node:broken', 'failed']]);
    expect(run.ctx.eventsOf('tool_result')[0]?.result.isError).toBe(true);
  });

  it("refuses a tool that is not among the agent's tools", async () => {
    const run = await runWorkflow(
      { nodes: [{ id: 'sneaky', type: 'tool', tool: 'ticket', args: {} }] },
      { tools: ['echo'] },
    );
    expect(errorOf(run).message).toBe(
      "node sneaky: tool ticket is not one of the agent's tools (spec.tools)",
    );
    expect(run.calls).toEqual([]);
  });
});

describe('WorkflowRuntime: approvals', () => {
  const gated = (onReject?: string) => ({
    nodes: [
      {
        id: 'confirm',
        type: 'approval',
        description: 'Needs a lead',
        message: 'Block ${input.ip}?',
        next: 'block',
        ...(onReject ? { onReject } : {}),
      },
      { id: 'block', type: 'tool', tool: 'echo', args: { text: 'blocked by ${nodes.confirm.output.by}' } },
      {
        id: 'notify',
        type: 'tool',
        tool: 'echo',
        args: { text: 'not blocked: ${nodes.confirm.output.comment}' },
      },
    ],
  });

  it('continues with next when approved, the decision being the node output', async () => {
    const run = await runWorkflow(gated(), {
      input: { ip: '10.0.0.1' },
      approvals: { 'node:confirm': { approved: true, by: 'alice' } },
    });
    expect(run.ok && run.output).toEqual({ text: 'blocked by alice' });
    expect(run.ctx.approvalRequests).toEqual([
      {
        key: 'node:confirm',
        message: 'Block 10.0.0.1?',
        details: { node: 'confirm', description: 'Needs a lead' },
      },
    ]);
  });

  it('fails the run when rejected and there is no onReject', async () => {
    const run = await runWorkflow(gated(), {
      input: { ip: '10.0.0.1' },
      approvals: { 'node:confirm': { approved: false, by: 'bob', comment: 'false positive' } },
    });
    expect(errorOf(run).message).toBe('approval confirm rejected by bob: false positive');
    expect(run.calls).toEqual([]);
  });

  it('goes to onReject when rejected and it is set', async () => {
    const run = await runWorkflow(gated('notify'), {
      input: { ip: '10.0.0.1' },
      approvals: { 'node:confirm': { approved: false, by: 'bob', comment: 'false positive' } },
    });
    expect(run.ok && run.output).toEqual({ text: 'not blocked: false positive' });
  });

  it('lets the RunContext pause the run while the decision is pending', async () => {
    const run = await runWorkflow(gated(), { input: { ip: '10.0.0.1' } });
    expect(errorOf(run)).toBeInstanceOf(RunPaused);
    expect(run.ctx.steps).toEqual([]);
  });
});

describe('WorkflowRuntime: parallel and map', () => {
  it('runs parallel branches at once, each its own step, then continues with next', async () => {
    const run = await runWorkflow({
      nodes: [
        { id: 'both', type: 'parallel', branches: ['first', 'second'], next: 'merge' },
        { id: 'first', type: 'tool', tool: 'lookup', args: { ip: '10.0.0.1', delayMs: 30 }, next: 'never' },
        { id: 'second', type: 'tool', tool: 'lookup', args: { ip: '10.0.0.2', delayMs: 30 } },
        {
          id: 'merge',
          type: 'tool',
          tool: 'echo',
          args: { text: '${nodes.both.output.first.score}+${nodes.second.output.score}' },
        },
        { id: 'never', type: 'tool', tool: 'echo', args: { text: 'branch next is not followed' } },
      ],
    });
    expect(run.concurrency.max).toBe(2);
    expect(keys(run.ctx)).toEqual(['node:first', 'node:second', 'node:merge']);
    expect(run.ok && run.output).toEqual({ text: '72+10' });
  });

  it('fails a parallel node when a branch fails, after the other branches finish', async () => {
    const run = await runWorkflow({
      nodes: [
        { id: 'both', type: 'parallel', branches: ['slow', 'broken'] },
        { id: 'slow', type: 'tool', tool: 'lookup', args: { ip: '10.0.0.1', delayMs: 30 } },
        { id: 'broken', type: 'tool', tool: 'fail' },
      ],
    });
    expect(errorOf(run).message).toBe('node broken: tool fail failed: upstream said no');
    expect(run.ctx.steps.map((step) => [step.key, step.status])).toEqual([
      ['node:slow', 'completed'],
      ['node:broken', 'failed'],
    ]);
  });

  it('maps over items with bounded concurrency, keeping item order in the output', async () => {
    const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'];
    const ordered = await runWorkflow(
      {
        nodes: [
          {
            id: 'scan',
            type: 'map',
            items: '${input.jobs}',
            concurrency: 2,
            // Later items finish first, so the order comes from the index, not from completion.
            node: { type: 'tool', tool: 'lookup', args: { ip: '${item.ip}', delayMs: '${item.delayMs}' } },
          },
        ],
      },
      { input: { jobs: ips.map((ip, index) => ({ ip, delayMs: 50 - index * 10 })) } },
    );
    expect(ordered.concurrency.max).toBe(2);
    expect(keys(ordered.ctx).sort()).toEqual(ips.map((_, index) => `node:scan[${index}]`));
    expect(ordered.ctx.steps.map((step) => step.name).sort()).toEqual(
      ips.map((_, index) => `scan[${index}]`),
    );
    const output = ordered.ok ? (ordered.output as { ip: string; score: number }[]) : [];
    expect(output.map((result) => result.ip)).toEqual(ips);
    expect(output.map((result) => result.score)).toEqual([72, 10, 55, 3, 99]);
  });

  it('fails a map whose items are not a list', async () => {
    const run = await runWorkflow(
      {
        nodes: [
          {
            id: 'scan',
            type: 'map',
            items: '${input.ips}',
            node: { type: 'tool', tool: 'echo', args: { text: 'x' } },
          },
        ],
      },
      { input: { ips: '10.0.0.1' } },
    );
    expect(errorOf(run).message).toBe('map scan: items ${input.ips} is not a list');
  });

  it('gives an empty list for no items', async () => {
    const run = await runWorkflow(
      {
        nodes: [
          { id: 'scan', type: 'map', items: '${input.ips}', node: { type: 'tool', tool: 'echo', args: {} } },
        ],
      },
      { input: { ips: [] } },
    );
    expect(run.ok && run.output).toEqual([]);
  });
});

describe('WorkflowRuntime: llm nodes', () => {
  it('sends system and templated prompt, streams tokens, records usage and answers text', async () => {
    const run = await runWorkflow(
      {
        nodes: [
          { id: 'lookup', type: 'tool', tool: 'lookup', args: { ip: '${input.ip}' }, next: 'explain' },
          {
            id: 'explain',
            type: 'llm',
            system: 'Be brief.',
            prompt: 'Explain a score of ${nodes.lookup.output.score}',
          },
        ],
      },
      { input: { ip: '10.0.0.1' }, answers: ['The IP is risky.'] },
    );
    expect(run.ok && run.output).toBe('The IP is risky.');
    expect(run.modelRequests).toHaveLength(1);
    expect(run.modelRequests[0]?.idempotencyKey).toBe('run-test:node:explain');
    expect(run.modelRequests[0]?.body).toMatchObject({
      model: 'qwen',
      temperature: 0.2,
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Explain a score of 72' },
      ],
    });
    expect(run.ctx.eventsOf('token')).toEqual([
      { delta: 'The ', step: 'node:explain' },
      { delta: 'IP ', step: 'node:explain' },
      { delta: 'is ', step: 'node:explain' },
      { delta: 'risky.', step: 'node:explain' },
    ]);
    // The scripted provider counts words: 7 in the prompt, 4 deltas in the answer.
    expect(run.ctx.usage).toEqual([{ inputTokens: 7, outputTokens: 4 }]);
    expect(run.ctx.steps[1]).toMatchObject({ kind: 'workflow_node', name: 'explain', idempotent: true });
  });

  it("falls back to the agent's systemPrompt when the node has no system", async () => {
    const run = await runWorkflow(
      { nodes: [{ id: 'ask', type: 'llm', prompt: 'Hi' }] },
      { answers: ['Hello'], systemPrompt: 'You are terse.' },
    );
    expect(run.modelRequests[0]?.body.messages[0]).toMatchObject({
      role: 'system',
      content: 'You are terse.',
    });
  });

  it('parses a json answer (fenced or not) so later nodes can reference its fields', async () => {
    const run = await runWorkflow(
      {
        nodes: [
          { id: 'classify', type: 'llm', prompt: 'Classify', output: 'json', next: 'urgent' },
          {
            id: 'urgent',
            type: 'condition',
            expression: "nodes.classify.output.severity == 'high'",
            then: 'page',
          },
          {
            id: 'page',
            type: 'tool',
            tool: 'echo',
            args: { text: 'paging for ${nodes.classify.output.reason}' },
          },
        ],
      },
      { answers: ['```json\n{"severity": "high", "reason": "data loss"}\n```'] },
    );
    expect(run.ok && run.output).toEqual({ text: 'paging for data loss' });
    expect(run.ctx.steps[0]?.output).toEqual({ severity: 'high', reason: 'data loss' });
  });

  it('fails the node when a json answer does not parse', async () => {
    const run = await runWorkflow(
      { nodes: [{ id: 'classify', type: 'llm', prompt: 'Classify', output: 'json' }] },
      { answers: ['It is high, I think.'] },
    );
    expect(errorOf(run)).toMatchObject({ nodeId: 'classify' });
    expect(errorOf(run).message).toMatch(
      /^node classify: the model's answer is not JSON \(.+\): It is high, I think\.$/,
    );
  });

  it('fails an llm node when no model backend is configured, but runs tool-only workflows', async () => {
    const run = await runWorkflow({ nodes: [{ id: 'ask', type: 'llm', prompt: 'Hi' }] }, { model: null });
    expect(errorOf(run).message).toBe('no model backend configured for llm node ask');
    expect(run.modelRequests).toEqual([]);
  });

  it('answers with without_model when no model backend is configured, and says so', async () => {
    const run = await runWorkflow(
      {
        nodes: [
          {
            id: 'analyse',
            type: 'llm',
            prompt: 'Analyse ${input.ip}',
            without_model: { verdict: 'unknown', note: 'No model ran for ${input.ip}' },
          },
        ],
      },
      { model: null, input: { ip: '203.0.113.9' } },
    );
    expect(run.ok && run.output).toEqual({ verdict: 'unknown', note: 'No model ran for 203.0.113.9' });
    expect(run.modelRequests).toEqual([]);
    expect(run.ctx.eventsOf('step_thought')[0]?.text).toMatch(/^analyse: ran without a model/);
  });

  it('still calls the model when there is one, whatever without_model says', async () => {
    const run = await runWorkflow(
      { nodes: [{ id: 'analyse', type: 'llm', prompt: 'Analyse', without_model: 'skipped' }] },
      { answers: ['from the model'] },
    );
    expect(run.ok && run.output).toBe('from the model');
  });

  it('runs an llm body per map item', async () => {
    const run = await runWorkflow(
      {
        nodes: [
          {
            id: 'describe',
            type: 'map',
            items: '${input.ips}',
            concurrency: 1,
            node: { type: 'llm', prompt: 'Describe ${item} (#${index})' },
          },
        ],
      },
      { input: { ips: ['a', 'b'] }, answers: ['first', 'second'] },
    );
    expect(run.ok && run.output).toEqual(['first', 'second']);
    expect(
      run.modelRequests.map((request) => [request.idempotencyKey, request.body.messages[0]?.content]),
    ).toEqual([
      ['run-test:node:describe[0]', 'Describe a (#0)'],
      ['run-test:node:describe[1]', 'Describe b (#1)'],
    ]);
  });
});

describe('WorkflowRuntime: cancellation', () => {
  it('stops when the run is aborted, rethrowing the reason and starting no further node', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by user');
    setTimeout(() => controller.abort(reason), 20);
    const run = await runWorkflow(
      {
        nodes: [
          { id: 'wait', type: 'tool', tool: 'sleep', args: { seconds: 10 }, next: 'after' },
          { id: 'after', type: 'tool', tool: 'echo', args: { text: 'never' } },
        ],
      },
      { signal: controller.signal },
    );
    expect(run.ok ? undefined : run.error).toBe(reason);
    expect(keys(run.ctx)).toEqual(['node:wait']);
  });

  it('starts nothing when the run is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const run = await runWorkflow(
      { nodes: [{ id: 'a', type: 'tool', tool: 'echo', args: { text: 'x' } }] },
      { signal: controller.signal },
    );
    expect(errorOf(run).message).toBe('gone');
    expect(run.ctx.steps).toEqual([]);
  });
});
