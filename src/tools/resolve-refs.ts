import type { FieldError } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import type { ToolDefinition, ToolRef } from '../runtime/index.ts';
import type { BuiltinTool } from './builtin-tool.ts';

/** What resolving a reference needs of a tool, wherever it lives. */
export interface ResolvableTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  idempotent: boolean;
  destructive: boolean;
  /** Built-in tools check a reference's config. */
  builtin?: BuiltinTool | undefined;
}

/**
 * An agent's `spec.tools` made into definitions, in order. Throws INVALID_REQUEST listing every
 * unknown, repeated or misconfigured reference, each at `/spec/tools/<i>`. A reference's
 * `config.idempotent` / `config.destructive` override the tool's own.
 */
export function resolveToolRefs(
  refs: readonly ToolRef[],
  find: (name: string) => ResolvableTool | undefined,
  unknown: (name: string) => string,
): ToolDefinition[] {
  const problems: FieldError[] = [];
  const seen = new Set<string>();
  const definitions: ToolDefinition[] = [];
  refs.forEach((ref, index) => {
    const pointer = `/spec/tools/${index}`;
    const tool = find(ref.name);
    if (!tool) {
      problems.push({ pointer, detail: unknown(ref.name) });
      return;
    }
    if (seen.has(ref.name)) {
      problems.push({ pointer, detail: `tool "${ref.name}" is listed more than once` });
      return;
    }
    seen.add(ref.name);
    const config = ref.config ?? {};
    for (const problem of tool.builtin?.checkConfig(config) ?? [])
      problems.push({ pointer: `${pointer}/config${problem.pointer}`, detail: problem.detail });
    definitions.push({
      name: tool.name,
      description: tool.description,
      parameters: structuredClone(tool.parameters),
      idempotent: typeof config.idempotent === 'boolean' ? config.idempotent : tool.idempotent,
      destructive: typeof config.destructive === 'boolean' ? config.destructive : tool.destructive,
      config,
    });
  });
  const first = problems[0];
  if (first) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new AppError('INVALID_REQUEST', `${first.detail} at ${first.pointer}${more}`, {
      fieldErrors: problems,
    });
  }
  return definitions;
}
