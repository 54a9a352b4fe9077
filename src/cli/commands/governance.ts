import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { parseJson, routes } from '../../contracts/index.ts';
import { CommandExit, EXIT, UsageError } from '../exit-codes.ts';
import { renderData, renderTable } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';

/** Reads a JSON or YAML file (or - for stdin) into a value; UsageError names the file. */
function readDocument(path: string, cwd: string): unknown {
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(resolve(cwd, path), 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new UsageError(`cannot read ${path}: ${reason}`);
  }
  const json = parseJson(text);
  if (json.ok) return json.value;
  try {
    return parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `${path} is neither JSON nor YAML: ${error instanceof Error ? error.message : error}`,
    );
  }
}

export function registerPolicy(program: Command, runtime: CliRuntime): void {
  const policy = program.command('policy').description('Write and test policies');
  policy
    .command('test')
    .description('Decide a call against a policy file (not yet applied): prints the decision and the rule')
    .argument('<file>', 'a Policy manifest (YAML or JSON), or - for stdin')
    .requiredOption(
      '--input <file>',
      'the call, as JSON or YAML: {action, tool: {name, args}, principal, agent, run?}',
    )
    .addHelpText(
      'after',
      `
Exit 0 allow, 1 deny or require_approval (so scripts can assert), 2 a usage error.
Example call.json:
  {"action": "tool_call", "tool": {"name": "firewall_block_ip", "args": {"ip": "10.1.2.3"}},
   "principal": {"name": "alice", "kind": "user", "roles": ["operator"], "groups": ["soc"]},
   "agent": {"name": "secops-triage", "version": 1}}`,
    )
    .action(async (file: string, options: { input: string }) => {
      const manifest = readDocument(file, runtime.cwd) as { metadata?: { name?: unknown }; spec?: unknown };
      if (!manifest || typeof manifest !== 'object' || manifest.spec === undefined) {
        throw new UsageError(`${file} is not a Policy manifest (it has no spec)`);
      }
      const name = typeof manifest.metadata?.name === 'string' ? manifest.metadata.name : 'draft';
      const request = readDocument(options.input, runtime.cwd);
      const answer = await runtime.client().call(routes.evaluatePolicy, {
        body: { request: request as never, policies: [{ name, spec: manifest.spec }] },
      });
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') runtime.printer.out(renderData(answer, format));
      else {
        const { decision } = answer;
        runtime.printer.out(
          renderTable(
            [decision],
            [
              { header: 'DECISION', value: (d) => d.effect },
              { header: 'RULE', value: (d) => d.rule ?? '-' },
              { header: 'REASON', value: (d) => d.reason ?? '-' },
            ],
          ),
        );
        for (const line of answer.explanation) runtime.printer.out(`  ${line}`);
      }
      if (answer.decision.effect !== 'allow') throw new CommandExit(EXIT.error);
    });
}

export function registerGuard(program: Command, runtime: CliRuntime): void {
  const guard = program.command('guard').description('Scan text with the guard: PII and prompt injection');
  guard
    .command('scan')
    .description("Print the PII found (with each entity's action) and the prompt-injection verdict")
    .argument('<file>', 'a text file, or - for stdin')
    .addOption(
      new Option('--source <source>', 'where the text comes from')
        .choices(['user', 'tool', 'retrieval'])
        .default('user'),
    )
    .option('--policy <name>', "use this stored policy's pii_masking instead of the tenant's live settings")
    .addHelpText('after', '\nExit 0 when the text is benign, 1 when it is labelled an injection.')
    .action(async (file: string, options: { source: 'user' | 'tool' | 'retrieval'; policy?: string }) => {
      let text: string;
      try {
        text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(resolve(runtime.cwd, file), 'utf8');
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
        throw new UsageError(`cannot read ${file}: ${reason}`);
      }
      const client = runtime.client();
      const [pii, injection] = await Promise.all([
        client.call(routes.detectPii, {
          body: { text, ...(options.policy ? { policy: options.policy } : {}) },
        }),
        client.call(routes.detectInjection, { body: { text, source: options.source } }),
      ]);
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') runtime.printer.out(renderData({ pii, injection }, format));
      else {
        if (pii.entities.length === 0) runtime.printer.out('PII: none found');
        else {
          runtime.printer.out(
            renderTable(pii.entities, [
              { header: 'TYPE', value: (e) => e.type },
              { header: 'START', value: (e) => String(e.start) },
              { header: 'END', value: (e) => String(e.end) },
              { header: 'ACTION', value: (e) => e.action },
              { header: 'TEXT', value: (e) => preview(text.slice(e.start, e.end)) },
            ]),
          );
          runtime.printer.out(`Masked:\n${pii.masked}`);
        }
        runtime.printer.out(
          `Injection: ${injection.label} (score ${injection.score.toFixed(2)})${injection.reasons.length > 0 ? `\n  ${injection.reasons.join('\n  ')}` : ''}`,
        );
      }
      if (injection.label === 'injection') throw new CommandExit(EXIT.error);
    });
}

/** The first and last characters of a found value: enough to recognise it, not to copy it. */
function preview(value: string): string {
  return value.length <= 6 ? '*'.repeat(value.length) : `${value.slice(0, 2)}…${value.slice(-2)}`;
}
