import type { Command } from 'commander';
import { routes } from '../../contracts/index.ts';
import { UsageError } from '../exit-codes.ts';
import { renderData, renderTable } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';
import { versionColumns } from './get.ts';

function versionNumber(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`version must be a positive integer (got "${text}")`);
  return value;
}

export function registerAgents(program: Command, runtime: CliRuntime): void {
  const agents = program.command('agents').description('Agent versions: list, publish, deprecate, roll back');

  agents
    .command('versions')
    .description('List the versions of an agent, newest first')
    .argument('<name>', 'agent')
    .action(async (name: string) => {
      const page = await runtime
        .client()
        .call(routes.listAgentVersions, { params: { name }, query: { limit: 500 } });
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(page.items, format));
      else runtime.printer.out(renderTable(page.items, versionColumns));
    });

  agents
    .command('publish')
    .description('Publish a version and make it active')
    .argument('<name>', 'agent')
    .argument('<version>', 'version number')
    .action(async (name: string, version: string) => {
      const agent = await runtime
        .client()
        .call(routes.publishAgentVersion, { params: { name, version: versionNumber(version) } });
      runtime.printer.out(`agent/${name} now runs version ${agent.status.activeVersion}`);
    });

  agents
    .command('deprecate')
    .description('Deprecate a published version that is not active')
    .argument('<name>', 'agent')
    .argument('<version>', 'version number')
    .action(async (name: string, version: string) => {
      const deprecated = await runtime
        .client()
        .call(routes.deprecateAgentVersion, { params: { name, version: versionNumber(version) } });
      runtime.printer.out(`agent/${name} version ${deprecated.version} deprecated`);
    });

  agents
    .command('rollback')
    .description('Make an earlier published version active again (default: the one before the active)')
    .argument('<name>', 'agent')
    .option('--to <version>', 'the version to roll back to')
    .action(async (name: string, options: { to?: string }) => {
      const agent = await runtime.client().call(routes.rollbackAgent, {
        params: { name },
        body: options.to ? { version: versionNumber(options.to) } : {},
      });
      runtime.printer.out(`agent/${name} rolled back to version ${agent.status.activeVersion}`);
    });
}
