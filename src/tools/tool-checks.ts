import type { FieldError, ToolServerSpec, ToolSpec } from '../contracts/index.ts';
import type { ArgumentValidator, ParameterEntry } from './argument-schema.ts';
import { toJsonSchema } from './argument-schema.ts';

/** A tool's spec beyond its schema: its argument schema compiles, its built-in exists. */
export function checkToolSpec(
  validator: ArgumentValidator,
  builtins: readonly string[],
): (spec: ToolSpec, prefix: string) => FieldError[] {
  return (spec, prefix) => {
    const problems: FieldError[] = [];
    if (spec.parameters !== undefined) {
      const schema = toJsonSchema(spec.parameters as Record<string, unknown> | readonly ParameterEntry[]);
      const problem = validator.check(schema);
      if (problem)
        problems.push({ pointer: `${prefix}/parameters`, detail: `not a usable JSON Schema: ${problem}` });
    }
    if (spec.type === 'builtin') {
      const name = (spec.config as { builtin?: string } | undefined)?.builtin;
      if (name && !builtins.includes(name))
        problems.push({
          pointer: `${prefix}/config/builtin`,
          detail: `no built-in tool "${name}" (there are: ${builtins.join(', ')})`,
        });
    }
    return problems;
  };
}

/**
 * A stdio server runs a program on the platform's host: only the commands the operator allowed
 * (`toolStdioCommands`, matched exactly) may be registered.
 */
export function checkToolServerSpec(
  stdioCommands: readonly string[],
): (spec: ToolServerSpec, prefix: string) => FieldError[] {
  return (spec, prefix) => {
    if (spec.transport !== 'stdio' || !spec.command || stdioCommands.includes(spec.command)) return [];
    return [
      {
        pointer: `${prefix}/command`,
        detail:
          stdioCommands.length === 0
            ? 'stdio tool servers run programs on the platform host and none is allowed here ' +
              '(the operator lists them in AGENTICAI_TOOL_STDIO_COMMANDS); use streamable-http'
            : `command "${spec.command}" is not one the operator allows (${stdioCommands.join(', ')})`,
      },
    ];
  };
}
