import type { Command } from 'commander';
import { type Feedback, type FeedbackWrite, FeedbackWriteSchema, routes } from '../../contracts/index.ts';
import { UsageError } from '../exit-codes.ts';
import { age, type Column, renderData, renderTable } from '../output.ts';
import { readInputText } from '../run-input.ts';
import type { CliRuntime } from '../runtime.ts';

interface FeedbackOptions {
  up?: boolean;
  down?: boolean;
  correction?: string;
  category?: string;
  list?: boolean;
  withdraw?: boolean;
}

const scoreWord = (score: number) => (score === 1 ? 'up' : 'down');
const oneLine = (text: string | null, max = 60) => {
  if (text === null) return '-';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

const feedbackColumns: Column<Feedback>[] = [
  { header: 'PRINCIPAL', value: (f) => f.principal },
  { header: 'SCORE', value: (f) => scoreWord(f.score) },
  { header: 'CATEGORY', value: (f) => f.category ?? '-' },
  { header: 'CORRECTION', value: (f) => oneLine(f.correction) },
  { header: 'UPDATED', value: (f) => age(f.updated_at) },
];

/** The body from the flags, checked against the API's schema so a bad value is a usage error. */
async function feedbackBody(options: FeedbackOptions, runtime: CliRuntime): Promise<FeedbackWrite> {
  if (options.up === options.down) throw new UsageError('say --up or --down (one of them)');
  let correction: string | undefined;
  if (options.correction !== undefined) {
    try {
      correction = await readInputText(options.correction, runtime.cwd, process.stdin);
    } catch (error) {
      throw new UsageError(
        `cannot read --correction ${options.correction}: ${(error as Error).message.replace(/^.*: /, '')}`,
      );
    }
  }
  const parsed = FeedbackWriteSchema.safeParse({
    score: options.up ? 1 : -1,
    ...(correction !== undefined ? { correction } : {}),
    ...(options.category !== undefined ? { category: options.category } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--${String(issue?.path[0] ?? 'correction')}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** `actl runs feedback ID --up|--down`: say whether a run's answer was good, and what it should have been. */
export function registerRunFeedback(runs: Command, runtime: CliRuntime): void {
  runs
    .command('feedback')
    .description("Give feedback on a run's answer (--up | --down), list it (--list) or withdraw yours")
    .argument('<id>', 'run id')
    .option('--up', 'the answer was good')
    .option('--down', 'the answer was not good')
    .option(
      '--correction <text|@file|->',
      'what the agent should have answered: text, @file, or - for stdin (at most 32 KiB)',
    )
    .option('--category <label>', 'a short label: good, false_positive, wrong_action, incomplete, ...')
    .option('--list', "print every principal's feedback on the run")
    .option('--withdraw', 'remove your feedback on the run')
    .addHelpText(
      'after',
      `
One feedback per principal and run: giving it again replaces yours (a flag left out is cleared).
The run must have ended or be paused for a decision. Corrections are PII-masked before they are
stored and become training data: see "actl datasets export --help".

Examples:
  actl runs feedback RUN_ID --up
  actl runs feedback RUN_ID --down --category false_positive \\
      --correction "10.0.0.5 is our scanner; close the alert, do not block it."
  actl runs feedback RUN_ID --down --correction @better-answer.md
  actl runs feedback RUN_ID --list`,
    )
    .action(async (id: string, options: FeedbackOptions) => {
      const client = runtime.client();
      const format = runtime.format();
      if (options.list || options.withdraw) {
        if (options.up || options.down || options.correction !== undefined || options.category !== undefined)
          throw new UsageError('--list and --withdraw take no --up, --down, --correction or --category');
        if (options.list && options.withdraw) throw new UsageError('say --list or --withdraw, not both');
      }
      if (options.withdraw) {
        await client.call(routes.deleteRunFeedback, { params: { id } });
        runtime.printer.out(`feedback on run/${id} withdrawn`);
        return;
      }
      if (options.list) {
        const answer = await client.call(routes.listRunFeedback, { params: { id } });
        if (format === 'json' || format === 'yaml') return runtime.printer.out(renderData(answer, format));
        if (format === 'name') {
          for (const f of answer.items) runtime.printer.out(`feedback/${f.id}`);
          return;
        }
        if (answer.items.length === 0) return runtime.printer.err(`No feedback on run ${id} yet.`);
        return runtime.printer.out(renderTable(answer.items, feedbackColumns));
      }
      const body = await feedbackBody(options, runtime);
      const answer = await client.callRaw(routes.giveRunFeedback, { params: { id }, body });
      const feedback = answer.body;
      if (format === 'json' || format === 'yaml') return runtime.printer.out(renderData(feedback, format));
      if (format === 'name') return runtime.printer.out(`feedback/${feedback.id}`);
      const what = [
        scoreWord(feedback.score),
        feedback.category,
        feedback.correction ? 'with a correction' : null,
      ]
        .filter(Boolean)
        .join(', ');
      runtime.printer.out(
        `feedback on run/${id} ${answer.status === 201 ? 'recorded' : 'replaced'}: ${what} (${feedback.principal})`,
      );
    });
}
