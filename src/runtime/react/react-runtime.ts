import { parseJson } from '../../contracts/index.ts';
import type {
  AgentRuntime,
  ChatMessage,
  ChatResult,
  ModelClient,
  PreparedAgent,
  RunContext,
  ToolDefinition,
  ToolInvoker,
  ToolResult,
  ToolSchema,
} from '../ports.ts';

const DEFAULT_MAX_TURNS = 50;

/** What the model sees for a tool call an operator skipped after a crash left it in doubt. */
/** The smaller of the agent's own cap and a policy's, if either is set. */
function maxTokensOf(own: number | undefined, policy: number | undefined): number | undefined {
  if (own === undefined) return policy;
  return policy === undefined ? own : Math.min(own, policy);
}

export const SKIPPED_RESULT: ToolResult = {
  content: [
    {
      type: 'text',
      text: 'skipped by an operator: a crash left this call in doubt, and it was not repeated',
    },
  ],
  isError: true,
};

function inputMessages(input: unknown): ChatMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (input && typeof input === 'object' && 'messages' in input && Array.isArray(input.messages)) {
    return input.messages as ChatMessage[];
  }
  return [{ role: 'user', content: JSON.stringify(input) }];
}

function toolSchema(tool: ToolDefinition): ToolSchema {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  };
}

const resultText = (result: ToolResult): string => result.content.map((c) => c.text).join('\n');

/**
 * The reason-and-act loop over OpenAI chat completions with tool calling: ask the model, run the
 * tool calls it returns, append their results, repeat until it answers without tool calls. Every
 * model call and tool call is a step, so a resumed run replays recorded answers and results and
 * continues where it stopped; model calls are idempotent (safe to repeat), tools as declared.
 */
export class ReactRuntime implements AgentRuntime {
  constructor(
    private readonly models: ModelClient,
    private readonly tools: ToolInvoker,
  ) {}

  async execute(ctx: RunContext, agent: PreparedAgent): Promise<unknown> {
    const model = agent.model;
    if (!model) {
      throw new Error(
        `agent ${agent.name} names model backend "${agent.spec.model.backend}", which does not exist`,
      );
    }
    const byName = new Map(agent.tools.map((tool) => [tool.name, tool]));
    const messages: ChatMessage[] = [
      ...(agent.spec.systemPrompt ? [{ role: 'system' as const, content: agent.spec.systemPrompt }] : []),
      ...agent.history,
      ...inputMessages(ctx.input),
    ];
    const schemas = agent.tools.map(toolSchema);
    const turns = agent.spec.limits?.maxSteps ?? DEFAULT_MAX_TURNS;
    for (let turn = 0; turn < turns; turn += 1) {
      const stepKey = `model:${turn}`;
      const answer = await ctx.step<ChatResult>(
        stepKey,
        {
          kind: 'model_call',
          name: agent.spec.model.name,
          input: { turn, messages: messages.length },
          idempotent: true,
        },
        async (execution) => {
          const result = await this.models.chat(
            model,
            {
              model: agent.spec.model.name,
              messages,
              ...(schemas.length > 0 ? { tools: schemas } : {}),
              ...(agent.spec.model.temperature !== undefined
                ? { temperature: agent.spec.model.temperature }
                : {}),
              ...(maxTokensOf(agent.spec.model.maxTokens, execution.maxTokens) !== undefined
                ? { maxTokens: maxTokensOf(agent.spec.model.maxTokens, execution.maxTokens) }
                : {}),
            },
            {
              signal: execution.signal,
              idempotencyKey: execution.idempotencyKey,
              onToken: (delta) => void ctx.emit({ type: 'token', data: { delta, step: stepKey } }),
            },
          );
          ctx.recordUsage(result.usage);
          return result;
        },
      );
      messages.push(answer.message);
      const calls = answer.message.tool_calls ?? [];
      if (calls.length === 0) return answer.message.content ?? '';
      if (answer.message.content)
        await ctx.emit({ type: 'step_thought', data: { text: answer.message.content, step: stepKey } });
      for (const [index, call] of calls.entries()) {
        const result = await this.#callTool(ctx, byName, `tool:${turn}:${index}`, call);
        messages.push({ role: 'tool', tool_call_id: call.id, content: resultText(result) });
      }
    }
    throw new Error(`the agent did not finish within ${turns} model turns`);
  }

  async #callTool(
    ctx: RunContext,
    byName: Map<string, ToolDefinition>,
    key: string,
    call: { id: string; function: { name: string; arguments: string } },
  ): Promise<ToolResult> {
    const tool = byName.get(call.function.name);
    const parsed = parseJson(call.function.arguments || '{}');
    const args = parsed.ok ? parsed.value : call.function.arguments;
    return ctx.step<ToolResult>(
      key,
      {
        kind: 'tool_call',
        name: call.function.name,
        input: args,
        idempotent: tool?.idempotent ?? true,
        destructive: tool?.destructive ?? false,
        skipped: SKIPPED_RESULT,
        substitute: (note, isError): ToolResult => ({ content: [{ type: 'text', text: note }], isError }),
        startEvent: {
          type: 'tool_call',
          data: { step: key, tool: call.function.name, arguments: args, callId: call.id },
        },
        endEvent: (result) => ({
          type: 'tool_result',
          data: { step: key, tool: call.function.name, result: result as ToolResult, callId: call.id },
        }),
      },
      async (execution) => {
        const result: ToolResult = !tool
          ? {
              content: [
                {
                  type: 'text',
                  text: `unknown tool "${call.function.name}"; use one of: ${[...byName.keys()].join(', ') || 'none'}`,
                },
              ],
              isError: true,
            }
          : !parsed.ok
            ? {
                content: [{ type: 'text', text: `the arguments are not valid JSON: ${parsed.error}` }],
                isError: true,
              }
            : await this.tools.invoke(tool.name, args, {
                signal: execution.signal,
                idempotencyKey: execution.idempotencyKey,
                config: tool.config,
                tenantId: ctx.tenantId,
                runId: ctx.runId,
              });
        return result;
      },
    );
  }
}
