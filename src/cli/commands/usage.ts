import { type Command, Option } from 'commander';
import { routes, USAGE_GROUPS, type UsageReport } from '../../contracts/index.ts';
import { type Column, renderData, renderTable } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';
import { renderTrace, renderUsageFooter, usd } from '../trace-render.ts';

type Row = UsageReport['rows'][number];

const usageColumns = (by: string): Column<Row>[] => [
  { header: by.toUpperCase(), value: (row) => row.key },
  { header: 'CALLS', value: (row) => String(row.calls) },
  { header: 'ERRORS', value: (row) => String(row.errors) },
  { header: 'INPUT', value: (row) => String(row.input_tokens) },
  { header: 'OUTPUT', value: (row) => String(row.output_tokens) },
  { header: 'COST', value: (row) => usd(row.cost_usd) },
  { header: 'UNPRICED', value: (row) => String(row.unpriced_calls) },
];

/** `actl runs trace ID`: the run's span tree from the server's trace store. */
export function registerTrace(runs: Command, runtime: CliRuntime): void {
  runs
    .command('trace')
    .description(
      "A run's span tree: plan, steps, policy decisions, model and tool calls, with timings, tokens and cost",
    )
    .argument('<id>', 'run id')
    .action(async (id: string) => {
      const trace = await runtime.client().call(routes.getRunTrace, { params: { id } });
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') return runtime.printer.out(renderData(trace, format));
      if (trace.spans.length === 0)
        return runtime.printer.err(
          `No spans stored for run ${id} yet (they are written a moment after they end, and kept for traceRetentionDays).`,
        );
      for (const line of renderTrace(trace)) runtime.printer.out(line);
    });
}

/** `actl usage`: model tokens and cost, grouped, with totals, the month's forecast and budgets. */
export function registerUsage(program: Command, runtime: CliRuntime): void {
  program
    .command('usage')
    .description(
      'Model tokens and cost by tenant, agent, model, principal or day, with the month forecast and budgets',
    )
    .addOption(new Option('--by <group>', 'what each row totals').choices([...USAGE_GROUPS]).default('model'))
    .option('--from <date>', 'first day, YYYY-MM-DD (default: 30 days ago)')
    .option('--to <date>', 'last day, YYYY-MM-DD (default: today)')
    .option('--tenant <name>', 'platform admins: this tenant only')
    .action(async (options: { by: UsageReport['group_by']; from?: string; to?: string; tenant?: string }) => {
      const report = await runtime.client().call(routes.getUsage, {
        query: {
          group_by: options.by,
          ...(options.from ? { from: options.from } : {}),
          ...(options.to ? { to: options.to } : {}),
          ...(options.tenant ? { tenant: options.tenant } : {}),
        },
      });
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') return runtime.printer.out(renderData(report, format));
      if (format === 'name') {
        for (const row of report.rows) runtime.printer.out(`${options.by}/${row.key}`);
        return;
      }
      runtime.printer.out(`Usage ${report.from} .. ${report.to}`);
      if (report.rows.length === 0) runtime.printer.err('No model calls in this period.');
      runtime.printer.out(
        renderTable([...report.rows, { key: 'TOTAL', ...report.totals }], usageColumns(options.by)),
      );
      for (const line of renderUsageFooter(report)) runtime.printer.out(line);
    });
}
