import { type Command, Option } from 'commander';
import { AUDIT_ACTIONS, type AuditAction, type AuditRecord, routes } from '../../contracts/index.ts';
import { CommandExit, EXIT, UsageError } from '../exit-codes.ts';
import { type Column, renderData, renderTable } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';

interface FilterOptions {
  run?: string;
  actor?: string;
  action?: AuditAction;
  tool?: string;
  from?: string;
  to?: string;
}

const auditColumns: Column<AuditRecord>[] = [
  { header: 'SEQ', value: (r) => String(r.seq) },
  { header: 'TIME', value: (r) => r.time },
  { header: 'ACTOR', value: (r) => `${r.actor_type}:${r.actor}` },
  { header: 'ACTION', value: (r) => r.action },
  { header: 'TOOL', value: (r) => r.tool ?? '-' },
  { header: 'RUN', value: (r) => r.run_id ?? '-' },
  { header: 'DECISION', value: (r) => (r.decision ? `${r.decision}${r.rule ? ` (${r.rule})` : ''}` : '-') },
];

const EXPORT_PAGE = 500;

function withFilters(command: Command): Command {
  return command
    .option('--run <id>', 'only records of this run')
    .option('--actor <name>', 'only records of this actor')
    .addOption(new Option('--action <action>', 'only records of this action').choices([...AUDIT_ACTIONS]))
    .option('--tool <name>', 'only records of this tool or model')
    .option('--from <time>', 'at or after this RFC 3339 time')
    .option('--to <time>', 'before this RFC 3339 time');
}

const filterQuery = (options: FilterOptions) => ({
  ...(options.run ? { run: options.run } : {}),
  ...(options.actor ? { actor: options.actor } : {}),
  ...(options.action ? { action: options.action } : {}),
  ...(options.tool ? { tool: options.tool } : {}),
  ...(options.from ? { from: options.from } : {}),
  ...(options.to ? { to: options.to } : {}),
});

function limit(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 500)
    throw new UsageError(`--limit must be an integer from 1 to 500 (got "${text}")`);
  return value;
}

export function registerAudit(program: Command, runtime: CliRuntime): void {
  const audit = program.command('audit').description('The audit log: query, export, verify the hash chain');

  withFilters(audit.command('query').description('Audit records, newest first'))
    .option('--limit <n>', 'at most this many (1-500)', '50')
    .action(async (options: FilterOptions & { limit: string }) => {
      const page = await runtime.client().call(routes.listAuditRecords, {
        query: { limit: limit(options.limit), ...filterQuery(options) },
      });
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') return runtime.printer.out(renderData(page, format));
      if (format === 'name') {
        for (const record of page.items) runtime.printer.out(`audit/${record.id}`);
        return;
      }
      if (page.items.length === 0) return runtime.printer.err('No audit records found.');
      runtime.printer.out(renderTable(page.items, auditColumns));
      if (page.nextCursor) runtime.printer.err(`(more records than --limit ${options.limit})`);
    });

  withFilters(
    audit
      .command('export')
      .description(
        'Every matching record as JSON Lines on stdout, newest first: actl audit export > audit.jsonl',
      ),
  ).action(async (options: FilterOptions) => {
    let cursor: string | undefined;
    do {
      const page = await runtime.client().call(routes.listAuditRecords, {
        query: { limit: EXPORT_PAGE, ...filterQuery(options), ...(cursor ? { cursor } : {}) },
      });
      for (const record of page.items) runtime.printer.out(JSON.stringify(record));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  });

  audit
    .command('verify')
    .description("Check the tenant's hash chain; exit 1 if a record was changed, removed or inserted")
    .action(async () => {
      const result = await runtime.client().call(routes.verifyAuditLog, {});
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(result, format));
      else if (result.ok)
        runtime.printer.out(
          result.head
            ? `audit chain ok: ${result.records} records, head seq ${result.head.seq} (${result.head.hash})`
            : 'audit chain ok: no records yet',
        );
      else {
        const broken = result.first_broken;
        runtime.printer.err(
          `audit chain BROKEN at seq ${broken?.seq} (record ${broken?.id ?? 'missing'}): ${broken?.reason}; ` +
            `${result.records} records verified before it`,
        );
      }
      if (!result.ok) throw new CommandExit(EXIT.error);
    });
}
