import type { Command } from 'commander';
import { DurationSchema, durationToMs, routes, type SandboxExecResult } from '../../contracts/index.ts';
import { CommandExit, UsageError } from '../exit-codes.ts';
import { renderData } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';

/** What `actl sandbox exec` exits with when a limit, not the command, ended it. */
const LIMIT_EXIT: Record<Exclude<SandboxExecResult['outcome'], 'completed'>, number> = {
  timeout: 124,
  aborted: 130,
  oom: 137,
  killed: 137,
  cpu_limit: 152,
  output_truncated: 125,
  workspace_full: 125,
};

export function registerSandbox(program: Command, runtime: CliRuntime): void {
  const sandbox = program
    .command('sandbox')
    .description('Run commands in isolated sandboxes (gVisor or bubblewrap; never on the host)');
  sandbox
    .command('create')
    .option('--egress <host:port...>', 'destinations the sandbox may reach through the egress proxy')
    .option('--memory <MiB>', 'memory limit in MiB', (value) => positive(value, '--memory'))
    .option('--timeout <duration>', 'wall-clock limit of each exec, e.g. 30s', (value) => duration(value))
    .description('Create a sandbox; prints its id and driver')
    .action(async (options: { egress?: string[]; memory?: number; timeout?: number }) => {
      const limits = {
        ...(options.memory ? { memoryBytes: options.memory * 1024 * 1024 } : {}),
        ...(options.timeout ? { timeoutMs: options.timeout } : {}),
      };
      const created = await runtime.client().call(routes.createSandbox, {
        body: {
          ...(Object.keys(limits).length > 0 ? { limits } : {}),
          ...(options.egress ? { egress: options.egress } : {}),
        },
      });
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(created, format));
      // `-o name`: the id alone, for scripts (ID=$(actl sandbox create -o name)).
      else if (format === 'name') runtime.printer.out(created.id);
      else
        runtime.printer.out(
          `${created.id} (driver ${created.driver}${created.pooled ? ', from the warm pool' : ''}; expires ${created.expires_at})`,
        );
    });
  sandbox
    .command('get')
    .argument('<id>', 'sandbox id')
    .description('Show a sandbox, its limits and current usage')
    .action(async (id: string) => {
      const found = await runtime.client().call(routes.getSandbox, { params: { id } });
      const format = runtime.format();
      runtime.printer.out(renderData(found, format === 'json' ? 'json' : 'yaml'));
    });
  sandbox
    .command('ls')
    .description("List the tenant's live sandboxes")
    .action(async () => {
      const { items } = await runtime.client().call(routes.listSandboxes, {});
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(items, format));
      else if (items.length === 0) runtime.printer.out('no sandboxes');
      else
        for (const item of items)
          runtime.printer.out(`${item.id}  ${item.driver}  ${item.owner}  expires ${item.expires_at}`);
    });
  sandbox
    .command('exec')
    .argument('<id>', 'sandbox id')
    .argument('<command...>', 'the command and its arguments (put them after --)')
    .option('--timeout <duration>', "wall-clock limit, e.g. 30s (at most the sandbox's own)", (value) =>
      duration(value),
    )
    .option('--env <NAME=value...>', 'environment variables for the command')
    .option('--stdin', "send actl's stdin to the command")
    .description(
      'Run a command in /workspace; prints its output and exits with its exit code (a limit: non-zero)',
    )
    .action(
      async (
        id: string,
        command: string[],
        options: { timeout?: number; env?: string[]; stdin?: boolean },
      ) => {
        const env: Record<string, string> = {};
        for (const pair of options.env ?? []) {
          const at = pair.indexOf('=');
          if (at <= 0) throw new UsageError(`--env takes NAME=value (got "${pair}")`);
          env[pair.slice(0, at)] = pair.slice(at + 1);
        }
        const stdin = options.stdin ? await readStdin() : undefined;
        const result = await runtime.client().call(routes.execSandbox, {
          params: { id },
          body: {
            command,
            ...(options.timeout ? { timeout_ms: options.timeout } : {}),
            ...(Object.keys(env).length > 0 ? { env } : {}),
            ...(stdin === undefined ? {} : { stdin }),
          },
        });
        const format = runtime.format();
        if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(result, format));
        else {
          if (result.stdout) process.stdout.write(result.stdout);
          if (result.stderr) process.stderr.write(result.stderr);
        }
        if (result.outcome !== 'completed') {
          runtime.printer.err(
            `actl: the sandbox stopped the command: ${result.outcome}${result.truncated ? ' (output truncated)' : ''}`,
          );
          throw new CommandExit(LIMIT_EXIT[result.outcome]);
        }
        if (result.exit_code !== 0) throw new CommandExit(result.exit_code ?? 1);
      },
    );
  sandbox
    .command('rm')
    .argument('<id...>', 'sandbox ids')
    .description('Destroy sandboxes: kill their processes and delete their workspaces')
    .action(async (ids: string[]) => {
      for (const id of ids) {
        await runtime.client().call(routes.deleteSandbox, { params: { id } });
        runtime.printer.out(`sandbox/${id} deleted`);
      }
    });
  sandbox
    .command('driver')
    .description('Which sandbox driver the server uses, or why code execution is disabled')
    .action(async () => {
      const status = await runtime.client().call(routes.getSandboxDriver, {});
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(status, format));
      else
        runtime.printer.out(
          status.driver ? `${status.reason}; ${status.pool_available} warm` : status.reason,
        );
    });
}

function duration(value: string): number {
  if (!DurationSchema.safeParse(value).success)
    throw new UsageError(`--timeout: "${value}" is not a duration like 30s or 2m`);
  return durationToMs(value);
}

function positive(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`${flag} takes a positive whole number`);
  return number;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
