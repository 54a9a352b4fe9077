import { type Command, Option } from 'commander';
import {
  RESOLVE_ACTIONS,
  RUN_STATUSES,
  type Run,
  type RunStep,
  routes,
  TERMINAL_RUN_STATUSES,
} from '../../contracts/index.ts';
import { CommandExit, EXIT, UsageError } from '../exit-codes.ts';
import { age, type Column, renderData, renderTable } from '../output.ts';
import { CAUGHT_UP_QUIET_MS, exitAfterFollow, FIRST_EVENT_QUIET_MS, followRun } from '../run-follow.ts';
import type { CliRuntime } from '../runtime.ts';
import { registerRunFeedback } from './feedback.ts';
import { registerTrace } from './usage.ts';

const tokens = (usage: { input_tokens: number; output_tokens: number }) =>
  String(usage.input_tokens + usage.output_tokens);

export const runColumns: Column<Run>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'AGENT', value: (r) => r.agent },
  { header: 'VERSION', value: (r) => String(r.agent_version) },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'REASON', value: (r) => r.status_reason ?? '-' },
  { header: 'STEPS', value: (r) => String(r.step_count) },
  { header: 'TOKENS', value: (r) => tokens(r.usage) },
  { header: 'AGE', value: (r) => age(r.created_at) },
];

/** 850ms, 12.3s, 4m05s. */
export function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

const stepColumns: Column<RunStep>[] = [
  { header: 'SEQ', value: (s) => String(s.seq) },
  { header: 'KEY', value: (s) => s.key },
  { header: 'KIND', value: (s) => s.kind },
  { header: 'NAME', value: (s) => s.name },
  { header: 'STATUS', value: (s) => s.status },
  { header: 'ATTEMPT', value: (s) => String(s.attempt) },
  { header: 'DURATION', value: (s) => duration(s.duration_ms) },
  { header: 'TOKENS', value: (s) => tokens(s.usage) },
];

/** A run as a table row, `run/<id>` with -o name, or the whole resource with -o json | yaml. */
export function printRun(runtime: CliRuntime, run: Run): void {
  const format = runtime.format();
  if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(run, format));
  else if (format === 'name') runtime.printer.out(`run/${run.id}`);
  else runtime.printer.out(renderTable([run], runColumns));
}

/** -o json | yaml print what the API answered; -o name one `<kind>/<name>` per item. */
export function printList<T>(
  runtime: CliRuntime,
  answer: { items: T[] },
  columns: readonly Column<T>[],
  nameOf: (item: T) => string,
  empty: string,
): void {
  const format = runtime.format();
  if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(answer, format));
  else if (format === 'name') for (const item of answer.items) runtime.printer.out(nameOf(item));
  else if (answer.items.length === 0) runtime.printer.err(empty);
  else runtime.printer.out(renderTable(answer.items, columns));
}

function eventSeq(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new UsageError(`--after must be an event number, 0 or more (got "${text}")`);
  return value;
}

function limit(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 500)
    throw new UsageError(`--limit must be an integer from 1 to 500 (got "${text}")`);
  return value;
}

export function registerRuns(program: Command, runtime: CliRuntime): void {
  const runs = program
    .command('runs')
    .description('Runs: list, inspect, trace, cancel, resolve, stream events, give feedback');

  runs
    .command('list')
    .description('List runs, newest first')
    .option('--agent <name>', 'only runs of this agent')
    .addOption(new Option('--status <status>', 'only runs in this status').choices([...RUN_STATUSES]))
    .option('--session <id>', 'only runs of this session')
    .option('--limit <n>', 'at most this many (1-500)', '50')
    .action(async (options: { agent?: string; status?: Run['status']; session?: string; limit: string }) => {
      const page = await runtime.client().call(routes.listRuns, {
        query: {
          limit: limit(options.limit),
          ...(options.agent ? { agent: options.agent } : {}),
          ...(options.status ? { status: options.status } : {}),
          ...(options.session ? { session_id: options.session } : {}),
        },
      });
      printList(runtime, page, runColumns, (run) => `run/${run.id}`, 'No runs found.');
      if (page.nextCursor && runtime.format() === 'table')
        runtime.printer.err(`(more runs than --limit ${options.limit})`);
    });

  runs
    .command('get')
    .description('Get a run')
    .argument('<id>', 'run id')
    .action(async (id: string) => {
      printRun(runtime, await runtime.client().call(routes.getRun, { params: { id } }));
    });

  runs
    .command('cancel')
    .description('Cancel a run; in-flight model and tool calls are aborted (a finished run: exit 1)')
    .argument('<id>', 'run id')
    .option('--reason <text>', 'why, for the record')
    .action(async (id: string, options: { reason?: string }) => {
      const run = await runtime.client().call(routes.cancelRun, {
        params: { id },
        body: options.reason ? { reason: options.reason } : {},
      });
      if (runtime.format() !== 'table') return printRun(runtime, run);
      runtime.printer.out(
        run.status === 'cancelled'
          ? `run/${run.id} cancelled`
          : `run/${run.id} cancel requested (${run.status}; a worker is stopping it)`,
      );
    });

  runs
    .command('resolve')
    .description('Resume a paused run: approve / reject an approval, retry / skip a call left in doubt')
    .argument('<id>', 'run id')
    .addOption(
      new Option('--action <action>', 'the decision').choices([...RESOLVE_ACTIONS]).makeOptionMandatory(),
    )
    .option('--comment <text>', 'why, for the record')
    .action(async (id: string, options: { action: (typeof RESOLVE_ACTIONS)[number]; comment?: string }) => {
      const run = await runtime.client().call(routes.resolveRun, {
        params: { id },
        body: { action: options.action, ...(options.comment ? { comment: options.comment } : {}) },
      });
      if (runtime.format() !== 'table') return printRun(runtime, run);
      runtime.printer.out(`run/${run.id} resolved: ${options.action} (now ${run.status})`);
    });

  registerTrace(runs, runtime);
  registerRunFeedback(runs, runtime);

  runs
    .command('steps')
    .description('The steps of a run in order: model calls, tool calls, approval waits, workflow nodes')
    .argument('<id>', 'run id')
    .action(async (id: string) => {
      const answer = await runtime.client().call(routes.listRunSteps, { params: { id } });
      printList(runtime, answer, stepColumns, (step) => `step/${step.key}`, 'No steps yet.');
    });

  runs
    .command('events')
    .description("Print a run's events; --follow keeps streaming until the run ends")
    .argument('<id>', 'run id')
    .option('-f, --follow', 'keep streaming until the run ends (exit 0 completed, 1 failed or cancelled)')
    .option('--after <n>', 'only events after this event number (seq)', '0')
    .addHelpText(
      'after',
      `
Without --follow, actl prints the events stored so far and exits 0: at the run's final event, or,
for a run still in progress, once no event has arrived for ${CAUGHT_UP_QUIET_MS / 1000} s (${FIRST_EVENT_QUIET_MS / 1000} s for the first).
With --follow it exits like "actl run --follow": 0 completed, 1 failed or cancelled, 130 Ctrl-C.
-o json prints one JSON event per line (NDJSON), -o yaml one document per event.`,
    )
    .action(async (id: string, options: { follow?: boolean; after: string }) => {
      const after = eventSeq(options.after);
      if (!options.follow) {
        await followRun(runtime, { runId: id, after, until: 'caught_up' });
        return;
      }
      const run = await runtime.client().call(routes.getRun, { params: { id } });
      // A finished run has no new events: read what is stored (the stream after its final event
      // would never end) and exit by its status.
      const finished = TERMINAL_RUN_STATUSES.includes(run.status);
      const outcome = await followRun(runtime, { runId: id, after, until: finished ? 'caught_up' : 'end' });
      if (outcome === 'caught_up' && run.status !== 'completed') throw new CommandExit(EXIT.error);
      exitAfterFollow(runtime, id, outcome);
    });
}
