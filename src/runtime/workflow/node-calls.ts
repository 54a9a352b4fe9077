import type { AgentSpec, WorkflowNode } from '../../contracts/index.ts';
import { parseJson } from '../../contracts/index.ts';
import type {
  ChatMessage,
  ModelClient,
  ModelTarget,
  RunContext,
  RuntimeEvent,
  ToolDefinition,
  ToolInvoker,
  ToolResult,
} from '../ports.ts';
import { WorkflowNodeError } from './errors.ts';
import { renderTemplate, resolveTemplate, TemplateError, type TemplateScope } from './template.ts';

type MapNode = Extract<WorkflowNode, { type: 'map' }>;
/** A tool call: a tool node, or a map body with `type: tool`. */
export type ToolCallBody = Extract<MapNode['node'], { type: 'tool' }>;
/** A model call: an llm node, or a map body with `type: llm`. */
export type ModelCallBody = Extract<MapNode['node'], { type: 'llm' }>;

/** What tool and llm nodes need from the run, shared by plain nodes and map bodies. */
export interface CallEnvironment {
  ctx: RunContext;
  spec: AgentSpec;
  models: ModelClient;
  tools: ToolInvoker;
  definitions: readonly ToolDefinition[];
  model: ModelTarget | undefined;
}

/** Where a call happens: the node it belongs to, its step key and its display name. */
export interface CallSite {
  nodeId: string;
  key: string;
  name: string;
  scope: TemplateScope;
}

/**
 * Resolves references for a node, failing it with the reference named when one is missing.
 * `subject` says what failed in the message (default `node <id>`).
 */
export function resolveFor(
  nodeId: string,
  value: unknown,
  scope: TemplateScope,
  subject = `node ${nodeId}`,
): unknown {
  try {
    return resolveTemplate(value, scope);
  } catch (error) {
    throw asNodeError(nodeId, subject, error);
  }
}

export function renderFor(nodeId: string, template: string, scope: TemplateScope): string {
  try {
    return renderTemplate(template, scope);
  } catch (error) {
    throw asNodeError(nodeId, `node ${nodeId}`, error);
  }
}

function asNodeError(nodeId: string, subject: string, error: unknown): unknown {
  if (!(error instanceof TemplateError)) return error;
  return new WorkflowNodeError(nodeId, `${subject}: ${error.message}`, { cause: error });
}

/**
 * One tool call as a checkpointed step. Idempotent iff the tool says so, so a call in doubt
 * after a crash is never repeated silently. Output: the tool's structured result, else its text.
 */
export async function callTool(env: CallEnvironment, site: CallSite, body: ToolCallBody): Promise<unknown> {
  const { ctx } = env;
  const definition = env.definitions.find((tool) => tool.name === body.tool);
  if (!definition) {
    throw new WorkflowNodeError(
      site.nodeId,
      `node ${site.nodeId}: tool ${body.tool} is not one of the agent's tools (spec.tools)`,
    );
  }
  const args = resolveFor(site.nodeId, body.args ?? {}, site.scope);
  // tool_call is written with the step's start and tool_result with its completion (one write
  // each); a failing call reports its result before the step fails.
  let result: ToolResult | undefined;
  const resultEvent = (): RuntimeEvent | undefined =>
    result ? { type: 'tool_result', data: { step: site.key, tool: body.tool, result } } : undefined;
  const options = {
    kind: 'workflow_node',
    name: site.name,
    input: args,
    call: { kind: 'tool_call', name: body.tool, args },
    idempotent: definition.idempotent,
    destructive: definition.destructive,
    startEvent: { type: 'tool_call', data: { step: site.key, tool: body.tool, arguments: args } },
    endEvent: resultEvent,
  } as const;
  return ctx.step(site.key, options, async (execution) => {
    result = await env.tools.invoke(body.tool, args, {
      signal: execution.signal,
      idempotencyKey: execution.idempotencyKey,
      config: definition.config,
      tenantId: ctx.tenantId,
      runId: ctx.runId,
    });
    if (result.isError) {
      const failed = resultEvent();
      if (failed) await ctx.emit(failed);
      throw new WorkflowNodeError(
        site.nodeId,
        `node ${site.nodeId}: tool ${body.tool} failed: ${textOf(result)}`,
      );
    }
    return result.structured ?? textOf(result);
  });
}

/**
 * One model call as a checkpointed step (model calls are safe to retry). Streams tokens as
 * `token` events and counts usage against the run's limits. Output: the answer text, or the
 * parsed JSON for `output: json`.
 */
export async function callModel(env: CallEnvironment, site: CallSite, body: ModelCallBody): Promise<unknown> {
  const { ctx, model } = env;
  if (!model && body.without_model !== undefined) return answerWithoutModel(env, site, body);
  if (!model) {
    throw new WorkflowNodeError(site.nodeId, `no model backend configured for llm node ${site.nodeId}`);
  }
  const system = body.system ?? env.spec.systemPrompt;
  const messages: ChatMessage[] = [
    ...(system === undefined
      ? []
      : [{ role: 'system', content: renderFor(site.nodeId, system, site.scope) } as const]),
    { role: 'user', content: renderFor(site.nodeId, body.prompt, site.scope) },
  ];
  const request = {
    model: env.spec.model.name,
    messages,
    temperature: env.spec.model.temperature,
    maxTokens: env.spec.model.maxTokens,
  };
  const options = {
    kind: 'workflow_node',
    name: site.name,
    input: { model: request.model, messages },
    call: { kind: 'model_call', name: request.model },
    idempotent: true,
  } as const;
  return ctx.step(site.key, options, async (execution) => {
    // Tokens arrive synchronously; chain their events so they stay in order and failures surface.
    let emitted = Promise.resolve();
    const onToken = (delta: string) => {
      emitted = emitted.then(() => ctx.emit({ type: 'token', data: { delta, step: site.key } }));
    };
    const result = await env.models
      .chat(model, request, { signal: execution.signal, idempotencyKey: execution.idempotencyKey, onToken })
      .catch(async (error: unknown) => {
        // The model's failure is the one to report; a token event failing after it adds nothing.
        await emitted.catch(() => undefined);
        throw error;
      });
    await emitted;
    ctx.recordUsage(result.usage);
    const text = result.message.content ?? '';
    return body.output === 'json' ? parseJsonAnswer(site.nodeId, text) : text;
  });
}

/** The agent has no model backend: the node answers with its `without_model` value, and says so. */
function answerWithoutModel(env: CallEnvironment, site: CallSite, body: ModelCallBody): Promise<unknown> {
  const { ctx } = env;
  const backend = env.spec.model.backend;
  const options = {
    kind: 'workflow_node',
    name: site.name,
    input: { model: null },
    idempotent: true,
  } as const;
  return ctx.step(site.key, options, async () => {
    const output = resolveFor(site.nodeId, body.without_model, site.scope);
    await ctx.emit({
      type: 'step_thought',
      data: {
        text: `${site.nodeId}: ran without a model (no model backend "${backend}" is configured); its output is the node's without_model value`,
        step: site.key,
      },
    });
    return output;
  });
}

/** Parses a JSON answer, allowing the ```json fence models like to add around it. */
function parseJsonAnswer(nodeId: string, text: string): unknown {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text);
  const parsed = parseJson(fenced?.[1] ?? text);
  if (parsed.ok) return parsed.value;
  const preview = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  throw new WorkflowNodeError(
    nodeId,
    `node ${nodeId}: the model's answer is not JSON (${parsed.error}): ${preview}`,
  );
}

function textOf(result: ToolResult): string {
  return result.content
    .filter((part) => part.type === 'text')
    .map((part) => part.text)
    .join('\n');
}
