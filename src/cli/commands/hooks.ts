import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AgenticClient, fillPath, type HookResult, routes } from '../../contracts/index.ts';
import { UsageError } from '../exit-codes.ts';
import { renderData } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';

/** Where webhook triggers look for the signature unless their `auth.header` names another. */
const SIGNATURE_HEADER = 'X-Signature-256';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

interface SendOptions {
  data: string;
  secret?: string;
  secretEnv?: string;
  header?: string[];
  signatureHeader: string;
  tenant?: string;
}

/** `--data '{"a":1}'` as is, or `--data @alert.json`: the file's bytes (what gets signed). */
function readData(data: string, cwd: string): string {
  if (!data.startsWith('@')) return data;
  const path = resolve(cwd, data.slice(1));
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function secretOf(options: SendOptions, env: NodeJS.ProcessEnv): string | undefined {
  if (options.secret !== undefined && options.secretEnv !== undefined)
    throw new UsageError('give --secret or --secret-env, not both');
  if (options.secretEnv === undefined) return options.secret;
  const value = env[options.secretEnv];
  if (!value) throw new UsageError(`the environment variable ${options.secretEnv} is not set`);
  return value;
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header "${line}" is not "Name: value"`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

export function registerHooks(program: Command, runtime: CliRuntime): void {
  const hooks = program
    .command('hooks')
    .description('Webhook triggers: deliver events to them (create one with actl apply, kind: Trigger)');

  hooks
    .command('send')
    .description(
      'POST an event to a webhook trigger, signed with HMAC-SHA256 when given the secret; prints the run',
    )
    .argument('<name>', 'the trigger')
    .requiredOption('-d, --data <json>', 'the payload: JSON, or @FILE to send a file as is')
    .option('--secret <value>', 'sign the body with this HMAC key (visible in ps: prefer --secret-env)')
    .option('--secret-env <var>', 'sign the body with the HMAC key in this environment variable')
    .option(
      '-H, --header <line>',
      'an extra header "Name: value", e.g. for a token trigger; repeatable',
      collect,
    )
    .option('--signature-header <name>', 'where the signature goes', SIGNATURE_HEADER)
    .option(
      '--tenant <name>',
      "a tenant's hook (/api/v1/tenants/NAME/hooks/...); default the platform tenant",
    )
    .addHelpText(
      'after',
      `
The hook authenticates by the trigger's secret, not by your API key (none is sent).

Examples:
  actl hooks send siem-alert --data @examples/secops/alert.json --secret-env SIEM_HOOK_SECRET
  actl hooks send tickets -d '{"summary":"printer on fire"}' -H "Authorization: Bearer $TICKET_TOKEN"`,
    )
    .action(async (name: string, options: SendOptions) => {
      const body = readData(options.data, runtime.cwd);
      const secret = secretOf(options, runtime.env);
      const headers = parseHeaders(options.header ?? []);
      if (secret !== undefined)
        headers[options.signatureHeader.toLowerCase()] =
          `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const route = options.tenant ? routes.receiveTenantHook : routes.receiveHook;
      const client = new AgenticClient({
        baseUrl: runtime.connection().server,
        userAgent: `actl/${runtime.version}`,
      });
      const { body: result } = await client.send<HookResult>(
        'post',
        fillPath(route.path, { name, tenant: options.tenant }),
        { rawBody: body, contentType: 'application/json', headers, responseSchema: route.success.schema },
      );
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') return runtime.printer.out(renderData(result, format));
      runtime.printer.out(
        result.duplicate
          ? `run ${result.run_id} (${result.status}): duplicate, an earlier delivery of this event started it`
          : `run ${result.run_id} started by trigger ${result.trigger}`,
      );
      runtime.printer.err(`follow it with: actl runs events ${result.run_id} --follow`);
    });
}
