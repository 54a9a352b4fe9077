import { AppError } from '../core/index.ts';
import type {
  ToolDefinition,
  ToolInvokeOptions,
  ToolInvoker,
  ToolRef,
  ToolResult,
} from '../runtime/index.ts';
import { echoTool } from './builtin/echo.ts';
import { httpRequestTool } from './builtin/http-request.ts';
import { sleepTool } from './builtin/sleep.ts';
import { type BuiltinTool, errorResult } from './builtin-tool.ts';
import { resolveToolRefs } from './resolve-refs.ts';

/** The tools every installation has, before any registry exists. */
export const BUILTIN_TOOLS: readonly BuiltinTool[] = [echoTool, sleepTool, httpRequestTool];

/**
 * Resolves and runs tools that live in this process. `refs` are the agent's `spec.tools` in
 * order, so problems point at `/spec/tools/<i>`.
 */
export class BuiltinToolInvoker implements ToolInvoker {
  private readonly tools: ReadonlyMap<string, BuiltinTool>;

  constructor(tools: readonly BuiltinTool[] = BUILTIN_TOOLS) {
    const byName = new Map<string, BuiltinTool>();
    for (const tool of tools) {
      if (byName.has(tool.name)) throw new AppError('INTERNAL', `built-in tool "${tool.name}" defined twice`);
      byName.set(tool.name, tool);
    }
    this.tools = byName;
  }

  /**
   * Throws INVALID_REQUEST listing every unknown, repeated or misconfigured reference. A
   * definition is idempotent when its reference's `config.idempotent` says so, else by the tool's
   * static default (false for http_request, whose method is known only per call).
   */
  async resolve(refs: readonly ToolRef[]): Promise<ToolDefinition[]> {
    return resolveToolRefs(
      refs,
      (name) => {
        const tool = this.tools.get(name);
        return tool && { ...tool, destructive: false, builtin: tool };
      },
      (name) => `unknown tool "${name}" (built-in tools: ${this.names()})`,
    );
  }

  /**
   * An unknown name comes back as an error result rather than a throw: it is the model's mistake
   * to correct, like bad arguments.
   */
  async invoke(name: string, args: unknown, options: ToolInvokeOptions): Promise<ToolResult> {
    const tool = this.tools.get(name);
    if (!tool) return errorResult(`unknown tool "${name}" (available: ${this.names()})`);
    return tool.run(args, options);
  }

  private names(): string {
    return [...this.tools.keys()].sort().join(', ');
  }
}
