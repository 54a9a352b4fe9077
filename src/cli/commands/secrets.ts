import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { routes } from '../../contracts/index.ts';
import { UsageError } from '../exit-codes.ts';
import { renderData } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';

/** `key=value` pairs; a value may itself hold `=`. */
function pairs(values: readonly string[], flag: string): Array<[string, string]> {
  return values.map((value) => {
    const at = value.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag} takes KEY=VALUE (got "${value.split('=')[0]}…")`);
    return [value.slice(0, at), value.slice(at + 1)];
  });
}

export function registerSecrets(program: Command, runtime: CliRuntime): void {
  const secrets = program
    .command('secrets')
    .description('Store secrets (encrypted, write-only) that tools and model backends reference by name');
  secrets
    .command('set')
    .argument('<name>', 'secret name')
    .option('--from-literal <key=value...>', 'a key and its value (repeat for several keys)')
    .option('--from-file <key=path...>', 'a key and the file holding its value (trailing newline kept)')
    .option('--from-env <key=VAR...>', 'a key and the environment variable holding its value')
    .description('Create a secret or replace all its keys; the values are never shown again')
    .action(
      async (name: string, options: { fromLiteral?: string[]; fromFile?: string[]; fromEnv?: string[] }) => {
        const data: Record<string, string> = {};
        for (const [key, value] of pairs(options.fromLiteral ?? [], '--from-literal')) data[key] = value;
        for (const [key, path] of pairs(options.fromFile ?? [], '--from-file'))
          data[key] = readFileSync(path, 'utf8');
        for (const [key, variable] of pairs(options.fromEnv ?? [], '--from-env')) {
          const value = process.env[variable];
          if (value === undefined) throw new UsageError(`environment variable ${variable} is not set`);
          data[key] = value;
        }
        if (Object.keys(data).length === 0)
          throw new UsageError('give at least one key: --from-literal, --from-file or --from-env');
        const secret = await runtime.client().call(routes.putSecret, { params: { name }, body: { data } });
        runtime.printer.out(
          `secret/${secret.name} stored (keys: ${secret.keys.join(', ')}; version ${secret.version})`,
        );
      },
    );
  secrets
    .command('delete')
    .argument('<name>', 'secret name')
    .description('Delete a secret (tools that reference it fail until it is set again)')
    .action(async (name: string) => {
      await runtime.client().call(routes.deleteSecret, { params: { name } });
      runtime.printer.out(`secret/${name} deleted`);
    });
  secrets
    .command('rotate-key')
    .description("Re-encrypt every tenant's secrets under a new platform key (platform admins)")
    .action(async () => {
      const rotation = await runtime.client().call(routes.rotateSecretKey, {});
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(rotation, format));
      else
        runtime.printer.out(
          `${rotation.reencrypted} secret(s) re-encrypted under key ${rotation.keyId}` +
            (rotation.generated ? ' (new key file written)' : ''),
        );
    });
}
