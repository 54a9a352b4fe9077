import type { Command } from 'commander';
import { durationToMs, ROLES, type Role, routes } from '../../contracts/index.ts';
import { UsageError } from '../exit-codes.ts';
import { renderData } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';

function roles(values: string[]): Role[] {
  const unknown = values.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0)
    throw new UsageError(`unknown role(s) ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
  return values as Role[];
}

const tenantQuery = (tenant: string | undefined) => (tenant ? { tenant } : {});

export function registerIdentity(program: Command, runtime: CliRuntime): void {
  program
    .command('whoami')
    .description('Show who the API key acts as: tenant, roles and permissions')
    .action(async () => {
      const me = await runtime.client().call(routes.whoami, {});
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(me, format));
      else
        runtime.printer.out(
          `${me.principal} in tenant ${me.tenant} (roles: ${me.roles.join(', ') || 'none'}; via ${me.authMethod})`,
        );
    });

  const tenants = program.command('tenants').description('Create tenants (platform admins)');
  tenants
    .command('create')
    .argument('<name>', 'tenant name')
    .option('--display-name <text>', 'human-readable name')
    .action(async (name: string, options: { displayName?: string }) => {
      const tenant = await runtime
        .client()
        .call(routes.createTenant, { body: { name, displayName: options.displayName } });
      runtime.printer.out(`tenant/${tenant.name} created`);
    });

  const clearanceOf = (value: string | undefined) => {
    if (value === undefined) return {};
    const level = Number(value);
    if (![1, 2, 3].includes(level)) throw new UsageError('--clearance must be 1, 2 or 3');
    return { clearance: level };
  };

  const principals = program
    .command('principals')
    .description('Create and change users and service accounts');
  principals
    .command('create')
    .argument('<name>', 'principal name')
    .requiredOption('--role <role...>', `one or more of ${ROLES.join(', ')}`)
    .option('--group <group...>', 'groups it belongs to (approval gates name them as group:NAME)')
    .option('--clearance <level>', 'knowledge it may read: 1 public, 2 internal (default), 3 confidential')
    .option('--service-account', 'a service account rather than a user')
    .option('--tenant <name>', 'another tenant (platform admins)')
    .action(
      async (
        name: string,
        options: {
          role: string[];
          group?: string[];
          clearance?: string;
          serviceAccount?: boolean;
          tenant?: string;
        },
      ) => {
        const principal = await runtime.client().call(routes.createPrincipal, {
          query: tenantQuery(options.tenant),
          body: {
            name,
            roles: roles(options.role),
            ...(options.group ? { groups: options.group } : {}),
            ...clearanceOf(options.clearance),
            kind: options.serviceAccount ? 'service_account' : 'user',
          },
        });
        runtime.printer.out(`principal/${principal.name} created in tenant ${principal.tenant}`);
      },
    );
  principals
    .command('update')
    .argument('<name>', 'principal name')
    .option('--role <role...>', 'replace the roles')
    .option('--group <group...>', 'replace the groups')
    .option('--clearance <level>', '1 public, 2 internal, 3 confidential')
    .option('--disable', 'disable the principal (its keys stop working)')
    .option('--enable', 'enable it again')
    .option('--tenant <name>', 'another tenant (platform admins)')
    .action(
      async (
        name: string,
        options: {
          role?: string[];
          group?: string[];
          clearance?: string;
          disable?: boolean;
          enable?: boolean;
          tenant?: string;
        },
      ) => {
        if (options.disable && options.enable)
          throw new UsageError('--disable and --enable exclude each other');
        const principal = await runtime.client().call(routes.updatePrincipal, {
          params: { name },
          query: tenantQuery(options.tenant),
          body: {
            ...(options.role ? { roles: roles(options.role) } : {}),
            ...(options.group ? { groups: options.group } : {}),
            ...clearanceOf(options.clearance),
            ...(options.disable ? { disabled: true } : options.enable ? { disabled: false } : {}),
          },
        });
        runtime.printer.out(
          `principal/${principal.name} updated (roles: ${principal.roles.join(', ')}; disabled: ${principal.disabled})`,
        );
      },
    );

  const keys = program.command('api-keys').description('Create and revoke API keys');
  keys
    .command('create')
    .requiredOption('--principal <name>', 'the principal the key acts as')
    .option('--name <text>', 'a label for the key')
    .option('--expires-in <duration>', 'e.g. 30d, 12h (default: never)')
    .option('--tenant <name>', 'another tenant (platform admins)')
    .action(async (options: { principal: string; name?: string; expiresIn?: string; tenant?: string }) => {
      let expiresAt: string | undefined;
      if (options.expiresIn) {
        if (!/^(\d+(ms|s|m|h|d))+$/.test(options.expiresIn))
          throw new UsageError('--expires-in must look like 30d, 12h or 90m');
        expiresAt = new Date(Date.now() + durationToMs(options.expiresIn)).toISOString();
      }
      const created = await runtime.client().call(routes.createApiKey, {
        query: tenantQuery(options.tenant),
        body: { principal: options.principal, name: options.name, expiresAt },
      });
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') {
        runtime.printer.out(renderData(created, format));
        return;
      }
      runtime.printer.out(`apikey/${created.id} created for ${created.principal} (tenant ${created.tenant})`);
      runtime.printer.out('The key is shown only now; store it safely:');
      runtime.printer.out(`  ${created.key}`);
    });
  keys
    .command('revoke')
    .argument('<id>', 'key id (see actl get apikeys)')
    .option('--tenant <name>', 'another tenant (platform admins)')
    .action(async (id: string, options: { tenant?: string }) => {
      await runtime
        .client()
        .call(routes.revokeApiKey, { params: { id }, query: tenantQuery(options.tenant) });
      runtime.printer.out(`apikey/${id} revoked`);
    });
}
