import type { Command } from 'commander';
import { cliConfigPath, readCliConfig, writeCliConfig } from '../cli-config.ts';
import { UsageError } from '../exit-codes.ts';
import { renderData, renderTable } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';

const redact = (key: string | undefined) => (key ? `${key.slice(0, 7)}…(redacted)` : undefined);

export function registerConfig(program: Command, runtime: CliRuntime): void {
  const config = program
    .command('config')
    .description('Contexts: named server URLs and API keys, in ~/.config/agenticai/config.yaml (mode 0600)');
  const path = () => cliConfigPath(runtime.env);

  config
    .command('set-context')
    .description('Create or change a context')
    .argument('<name>', 'context name')
    .option('--server <url>', 'server URL')
    .option('--api-key <key>', 'API key for that server')
    .option('--use', 'also make it the current context')
    .action(
      (name: string, options: { server?: string; apiKey?: string; use?: boolean }, command: Command) => {
        // --server and --api-key are also global flags; commander hands them to the program.
        const merged = { ...command.optsWithGlobals<{ server?: string; apiKey?: string }>(), ...options };
        const file = readCliConfig(path());
        const previous = file.contexts[name];
        const server = merged.server ?? previous?.server;
        if (!server) throw new UsageError('a new context needs --server');
        try {
          new URL(server);
        } catch {
          throw new UsageError(`--server must be a URL such as http://127.0.0.1:7070 (got "${server}")`);
        }
        const apiKey = merged.apiKey ?? previous?.apiKey;
        file.contexts[name] = { server, ...(apiKey ? { apiKey } : {}) };
        if (options.use || !file.currentContext) file.currentContext = name;
        writeCliConfig(path(), file);
        runtime.printer.out(
          `context "${name}" ${previous ? 'modified' : 'created'}${file.currentContext === name ? ' (current)' : ''}`,
        );
      },
    );

  config
    .command('use-context')
    .description('Switch the current context')
    .argument('<name>', 'context name')
    .action((name: string) => {
      const file = readCliConfig(path());
      if (!file.contexts[name]) throw new UsageError(`no context named "${name}"`);
      file.currentContext = name;
      writeCliConfig(path(), file);
      runtime.printer.out(`switched to context "${name}"`);
    });

  config
    .command('get-contexts')
    .description('List contexts')
    .action(() => {
      const file = readCliConfig(path());
      const rows = Object.entries(file.contexts).map(([name, context]) => ({ name, ...context }));
      runtime.printer.out(
        renderTable(rows, [
          { header: 'CURRENT', value: (r) => (r.name === file.currentContext ? '*' : '') },
          { header: 'NAME', value: (r) => r.name },
          { header: 'SERVER', value: (r) => r.server },
          { header: 'API KEY', value: (r) => (r.apiKey ? 'set' : '-') },
        ]),
      );
    });

  config
    .command('current-context')
    .description('Print the current context and where the connection settings come from')
    .action(() => {
      const file = readCliConfig(path());
      const connection = runtime.connection();
      runtime.printer.out(
        `context: ${file.currentContext ?? '(none)'}\nserver: ${connection.server}\napi key from: ${connection.source}`,
      );
    });

  config
    .command('view')
    .description('Show the config file with keys redacted')
    .action(() => {
      const file = readCliConfig(path());
      const contexts = Object.fromEntries(
        Object.entries(file.contexts).map(([name, c]) => [
          name,
          { server: c.server, ...(c.apiKey ? { apiKey: redact(c.apiKey) } : {}) },
        ]),
      );
      runtime.printer.out(
        renderData(
          { path: path(), currentContext: file.currentContext ?? null, contexts },
          runtime.format() === 'json' ? 'json' : 'yaml',
        ),
      );
    });

  config
    .command('delete-context')
    .description('Remove a context')
    .argument('<name>', 'context name')
    .action((name: string) => {
      const file = readCliConfig(path());
      if (!file.contexts[name]) throw new UsageError(`no context named "${name}"`);
      delete file.contexts[name];
      if (file.currentContext === name) file.currentContext = undefined;
      writeCliConfig(path(), file);
      runtime.printer.out(`context "${name}" deleted`);
    });
}
