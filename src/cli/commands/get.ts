import type { Command } from 'commander';
import { type Agent, type AgentVersion, routes } from '../../contracts/index.ts';
import { UsageError } from '../exit-codes.ts';
import { KIND_WORDS, type KindInfo, listAll, listEnvelope, resolveKind } from '../kinds.ts';
import { age, type Column, renderData, renderTable } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';

export const versionColumns: Column<AgentVersion>[] = [
  { header: 'VERSION', value: (v) => String(v.version) },
  { header: 'STATUS', value: (v) => v.status },
  { header: 'SPEC', value: (v) => v.specHash.slice(0, 12) },
  { header: 'CREATED', value: (v) => age(v.createdAt) },
  { header: 'PUBLISHED', value: (v) => age(v.publishedAt) },
];

function printItems(runtime: CliRuntime, info: KindInfo<unknown>, items: unknown[], single: boolean): void {
  const format = runtime.format();
  if (format === 'json' || format === 'yaml') {
    runtime.printer.out(renderData(single ? items[0] : listEnvelope(items), format));
  } else if (format === 'name') {
    for (const item of items) runtime.printer.out(`${info.singular}/${info.nameOf(item)}`);
  } else if (items.length === 0) {
    runtime.printer.err('No resources found.');
  } else {
    runtime.printer.out(renderTable(items, info.columns));
  }
}

const tenantQuery = (tenant: string | undefined): Record<string, string> => (tenant ? { tenant } : {});

export function registerGet(program: Command, runtime: CliRuntime): void {
  program
    .command('get')
    .description(
      `List objects of a kind, or get one by name (kinds: ${KIND_WORDS.filter((w) => !w.includes('-')).join(', ')})`,
    )
    .argument('<kind>', 'agents, modelbackends, modelaliases, policies, tenants, principals or apikeys')
    .argument('[name]', 'one object; omit to list')
    .option('-l, --selector <labels>', 'only objects whose labels match, e.g. team=secops,tier=prod')
    .option('--tenant <name>', 'another tenant (platform admins; principals and apikeys)')
    .action(
      async (kind: string, name: string | undefined, options: { selector?: string; tenant?: string }) => {
        const { info } = resolveKind(kind);
        const client = runtime.client();
        if (name) {
          const item = await client.call(info.get, {
            params: { [info.key]: name },
            query: tenantQuery(options.tenant),
          } as never);
          printItems(runtime, info, [item], true);
          return;
        }
        const query: Record<string, string> = { ...tenantQuery(options.tenant) };
        if (options.selector) query.labelSelector = options.selector;
        printItems(runtime, info, await listAll(client, info.list, query), false);
      },
    );

  program
    .command('describe')
    .description('Show one object in full (agents also list their versions)')
    .argument('<kind>', 'agent, modelbackend, modelalias, policy, tenant, principal or apikey')
    .argument('<name>', 'the object')
    .option('--tenant <name>', 'another tenant (platform admins; principals and apikeys)')
    .action(async (kind: string, name: string, options: { tenant?: string }) => {
      const { name: kindName, info } = resolveKind(kind);
      const client = runtime.client();
      const item = await client.call(info.get, {
        params: { [info.key]: name },
        query: tenantQuery(options.tenant),
      } as never);
      const format = runtime.format();
      if (kindName !== 'agents') {
        runtime.printer.out(renderData(item, format === 'json' ? 'json' : 'yaml'));
        return;
      }
      const page = await client.call(routes.listAgentVersions, { params: { name }, query: { limit: 500 } });
      if (format === 'json' || format === 'yaml') {
        runtime.printer.out(renderData({ ...(item as Agent), versions: page.items }, format));
        return;
      }
      runtime.printer.out(renderData(item, 'yaml'));
      runtime.printer.out('\nVersions:');
      runtime.printer.out(renderTable(page.items, versionColumns));
    });

  program
    .command('delete')
    .description('Delete an object')
    .argument(
      '<kind>',
      'agent, modelbackend, modelalias, policy, tenant or principal (revoke API keys with "actl api-keys revoke")',
    )
    .argument('<name>', 'the object')
    .option('--tenant <name>', 'another tenant (platform admins; principals)')
    .action(async (kind: string, name: string, options: { tenant?: string }) => {
      const { info } = resolveKind(kind);
      if (!info.remove)
        throw new UsageError(`${info.singular} objects are not deleted; use "actl api-keys revoke ID"`);
      await runtime
        .client()
        .call(info.remove, { params: { [info.key]: name }, query: tenantQuery(options.tenant) } as never);
      runtime.printer.out(`${info.singular}/${name} deleted`);
    });
}
