import type { Command } from 'commander';
import { parseJson, routes } from '../../contracts/index.ts';
import { CommandExit, EXIT, UsageError } from '../exit-codes.ts';
import { renderData } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';

export function registerTools(program: Command, runtime: CliRuntime): void {
  const tools = program
    .command('tools')
    .description('Call registered tools directly (governed and audited like an agent’s calls)');
  tools
    .command('invoke')
    .argument('<name>', 'tool name (SERVER__TOOL for a tool discovered on a tool server)')
    .option('--args <json>', 'the arguments as a JSON object', '{}')
    .description('Call a tool and print its result; exits 1 when the tool reports an error')
    .action(async (name: string, options: { args: string }) => {
      const parsed = parseJson(options.args);
      if (
        !parsed.ok ||
        typeof parsed.value !== 'object' ||
        parsed.value === null ||
        Array.isArray(parsed.value)
      )
        throw new UsageError('--args must be a JSON object, e.g. --args \'{"ip": "203.0.113.9"}\'');
      const result = await runtime.client().call(routes.invokeTool, {
        params: { name },
        body: { arguments: parsed.value as Record<string, unknown> },
      });
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(result, format));
      else {
        for (const part of result.content)
          runtime.printer.out(part.type === 'text' ? String(part.text) : `[${part.type}]`);
        if (result.truncated) runtime.printer.err('(the result was cut to the size limit)');
        runtime.printer.err(`audit record ${result.auditId ?? '-'}`);
      }
      if (result.isError) throw new CommandExit(EXIT.error);
    });
}
