import { open, rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type DatasetFormat, PAGE_LIMIT_MAX, routes } from '../../contracts/index.ts';
import { UsageError } from '../exit-codes.ts';
import type { CliRuntime } from '../runtime.ts';

/** The file formats of `actl datasets export` and the API format each reads. */
const EXPORT_FORMATS: Record<string, DatasetFormat> = { 'dpo-jsonl': 'dpo', 'sft-jsonl': 'sft' };

const RELATIVE = /^(\d+)([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `2026-11-01`, an RFC 3339 time, or `7d` / `12h` / `30m` ago, as an RFC 3339 time. */
export function timeFlag(flag: string, value: string, now = Date.now()): string {
  const relative = RELATIVE.exec(value);
  if (relative) {
    const unit = relative[2] as keyof typeof UNIT_MS;
    return new Date(now - Number(relative[1]) * UNIT_MS[unit]).toISOString();
  }
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new UsageError(
      `${flag} takes a date (2026-11-01), a time (RFC 3339) or an age (7d, 12h, 30m): "${value}"`,
    );
  return new Date(time).toISOString();
}

interface ExportOptions {
  format: keyof typeof EXPORT_FORMATS;
  agent?: string;
  from?: string;
  to?: string;
  out?: string;
  pageSize: string;
}

function pageSize(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > PAGE_LIMIT_MAX)
    throw new UsageError(`--page-size must be an integer from 1 to ${PAGE_LIMIT_MAX} (got "${text}")`);
  return value;
}

/** Where lines go: a file written beside its final name and renamed at the end, or stdout. */
async function sink(runtime: CliRuntime, out: string | undefined) {
  if (out === undefined || out === '-')
    return {
      write: async (lines: string[]) => {
        for (const line of lines) runtime.printer.out(line);
      },
      done: async () => {},
      fail: async () => {},
    };
  const path = resolve(runtime.cwd, out);
  const partial = `${path}.partial`;
  const file = await open(partial, 'w').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot write ${out}: ${error.code ?? error.message}`);
  });
  return {
    write: async (lines: string[]) => {
      if (lines.length > 0) await file.write(`${lines.join('\n')}\n`);
    },
    done: async () => {
      await file.close();
      await rename(partial, path);
    },
    fail: async () => {
      await file.close().catch(() => {});
      await rm(partial, { force: true });
    },
  };
}

/** `actl datasets export`: training data from feedback, as JSON Lines. */
export function registerDatasets(program: Command, runtime: CliRuntime): void {
  const datasets = program
    .command('datasets')
    .description('Training datasets made from feedback on runs (needs datasets:read: operators, admins)');

  datasets
    .command('export')
    .description('Write DPO preference pairs or SFT examples from run feedback as JSON Lines')
    .addOption(
      new Option(
        '--format <format>',
        'dpo-jsonl: {prompt, chosen, rejected}; sft-jsonl: {prompt, completion}',
      )
        .choices(Object.keys(EXPORT_FORMATS))
        .makeOptionMandatory(),
    )
    .option('--agent <name>', 'only feedback on runs of this agent')
    .option('--from <time>', 'feedback given or changed at or after: 2026-11-01, an RFC 3339 time, or 7d ago')
    .option('--to <time>', 'feedback given or changed before this time')
    .option(
      '--out <file>',
      'write to this file (default: stdout); it appears only once the export is complete',
    )
    .option('--page-size <n>', `feedback rows per request (1-${PAGE_LIMIT_MAX})`, String(PAGE_LIMIT_MAX))
    .addHelpText(
      'after',
      `
Each line is one example in TRL's conversational format, with metadata columns run_id, agent,
agent_version, score and category:
  dpo-jsonl  {"prompt": [...], "chosen": [{"role": "assistant", ...}], "rejected": [...], ...}
             a correction is "chosen", the agent's answer "rejected"
  sft-jsonl  {"prompt": [...], "completion": [{"role": "assistant", ...}], "completion_source", ...}
             upvoted answers of runs nobody downvoted, and every correction
"prompt" is the agent's system prompt, the session turns the run saw and the run input. Prompts
and answers are PII-masked with the tenant's policy rules and every built-in detector. (-o is
actl's output format, so the file is --out.)

Examples:
  actl datasets export --format dpo-jsonl --agent secops-triage --out prefs.jsonl
  actl datasets export --format sft-jsonl --from 30d > sft.jsonl
See docs/feedback.md for training with TRL's DPOTrainer and SFTTrainer.`,
    )
    .action(async (options: ExportOptions) => {
      const format = EXPORT_FORMATS[options.format] as DatasetFormat;
      const limit = pageSize(options.pageSize);
      const query = {
        format,
        limit,
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.from ? { from: timeFlag('--from', options.from) } : {}),
        ...(options.to ? { to: timeFlag('--to', options.to) } : {}),
      };
      const client = runtime.client();
      const out = await sink(runtime, options.out);
      let count = 0;
      try {
        let cursor: string | undefined;
        do {
          const page = await client.call(routes.exportPreferences, {
            query: { ...query, ...(cursor ? { cursor } : {}) },
          });
          await out.write(page.items.map((item) => JSON.stringify(item)));
          count += page.items.length;
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        await out.done();
      } catch (error) {
        await out.fail();
        throw error;
      }
      runtime.printer.err(
        `${count} ${format.toUpperCase()} example${count === 1 ? '' : 's'}${options.out && options.out !== '-' ? ` written to ${options.out}` : ''}`,
      );
    });
}
