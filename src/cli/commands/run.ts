import type { Command } from 'commander';
import { routes } from '../../contracts/index.ts';
import { exitAfterFollow, followRun } from '../run-follow.ts';
import { type RunFlags, runCreateBody } from '../run-input.ts';
import type { CliRuntime } from '../runtime.ts';
import { printRun } from './runs.ts';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

interface RunOptions extends RunFlags {
  follow?: boolean;
}

export function registerRun(program: Command, runtime: CliRuntime): void {
  program
    .command('run')
    .description('Start a run of an agent; --follow streams it live until it ends')
    .argument('<agent>', 'the agent to run')
    .requiredOption('-i, --input <text|@file|->', 'the input: text, @file to read a file, - to read stdin')
    .option('--json-input', 'parse the input as JSON (an object for workflow agents, or {"messages": [...]})')
    .option('-f, --follow', 'stream the run: thoughts, tokens, tool calls, pauses, the result')
    .option('--idempotency-key <key>', 'the same key and input give back the same run instead of a new one')
    .option('--session <id>', 'continue this conversation (created on first use)')
    // `--version` is actl's own version flag, which commander also recognises after a command.
    .option('--agent-version <n>', 'run this version of the agent (default: the active one)')
    .option('--metadata <key=value>', 'a label for the run; repeat for more', collect)
    .addHelpText(
      'after',
      `
With --follow the exit code is 0 when the run completes and 1 when it fails or is cancelled; a
paused run is followed until it is resolved. Ctrl-C stops following and leaves the run running
(exit 130). With -o json --follow, each event is printed as one JSON line.

Examples:
  actl run support-assistant --input "Where is my order?" --follow
  actl run incident-report --json-input --input '{"id": 7, "severity": "high"}' --follow
  actl run incident-report --json-input --input @incident.json -o json`,
    )
    .action(async (agent: string, options: RunOptions) => {
      const body = await runCreateBody(options, runtime.cwd, process.stdin);
      const created = await runtime.client().callRaw(routes.createRun, { params: { name: agent }, body });
      const run = created.body;
      if (created.status === 200)
        runtime.printer.err(`run ${run.id} was started earlier with this idempotency key`);
      if (!options.follow) {
        printRun(runtime, run);
        return;
      }
      const outcome = await followRun(runtime, { runId: run.id, after: 0, until: 'end' });
      exitAfterFollow(runtime, run.id, outcome);
    });
}
