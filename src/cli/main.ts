import { Command, CommanderError, Option } from 'commander';
import { routes, VERSION } from '../contracts/index.ts';
import { registerAgents } from './commands/agents.ts';
import { registerApply } from './commands/apply.ts';
import { registerApprovals } from './commands/approvals.ts';
import { registerAudit } from './commands/audit.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerConfig } from './commands/config.ts';
import { registerDatasets } from './commands/datasets.ts';
import { registerGet } from './commands/get.ts';
import { registerGuard, registerPolicy } from './commands/governance.ts';
import { registerHooks } from './commands/hooks.ts';
import { registerIdentity } from './commands/identity.ts';
import { registerKnowledge } from './commands/kb.ts';
import { registerRun } from './commands/run.ts';
import { registerRuns } from './commands/runs.ts';
import { registerSandbox } from './commands/sandbox.ts';
import { registerSecrets } from './commands/secrets.ts';
import { registerServer } from './commands/server.ts';
import { registerSessions } from './commands/sessions.ts';
import { registerTools } from './commands/tools.ts';
import { registerUsage } from './commands/usage.ts';
import { describeError, EXIT, exitCodeOf } from './exit-codes.ts';
import { OUTPUT_FORMATS, type Printer, stdio } from './output.ts';
import { createRuntime } from './runtime.ts';

function waitForStop(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => resolve(signal);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function buildProgram(env: NodeJS.ProcessEnv, printer: Printer, cwd: string): Command {
  const program = new Command('actl')
    .description('agenticai: run AI agents in production, under control')
    .version(VERSION, '-v, --version', 'print the version')
    .addOption(new Option('-o, --output <format>', 'output format').choices([...OUTPUT_FORMATS]))
    .option('--server <url>', 'server URL (env AGENTICAI_SERVER; default http://127.0.0.1:7070)')
    .option('--api-key <key>', 'API key (env AGENTICAI_API_KEY; default ./.agenticai/admin.key)')
    .option('--context <name>', 'use this context from the config file')
    .showHelpAfterError('(run actl --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => printer.out(s.trimEnd()), writeErr: (s) => printer.err(s.trimEnd()) })
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 error (or a followed run failed), 2 usage, 3 not found,
4 unauthenticated or permission denied, 130 stopped with Ctrl-C.

Examples:
  actl up                                  start the platform with demo agents
  actl apply -f examples/agents/           create or update from manifests
  actl get agents -o yaml                  list agents
  actl agents rollback secops-triage       go back to the previous published version
  actl run support-assistant -i "Hi" -f    start a run and stream it live
  actl runs list --status paused           runs waiting for a decision
  actl runs resolve RUN_ID --action approve
  actl runs feedback RUN_ID --down --correction "..."
  actl datasets export --format dpo-jsonl --out prefs.jsonl
  actl sessions messages SESSION_ID        a conversation so far`,
    );
  const runtime = createRuntime(program, env, printer, VERSION, cwd, waitForStop);
  program
    .command('version')
    .description('Print the client version and, if reachable, the server version')
    .action(async () => {
      printer.out(`actl ${VERSION}`);
      try {
        const server = await runtime.client().call(routes.version, {});
        printer.out(`server ${server.version} (${server.apiVersion}) at ${runtime.connection().server}`);
      } catch {
        printer.out(`server: not reachable at ${runtime.connection().server}`);
      }
    });
  registerServer(program, runtime);
  registerApply(program, runtime);
  registerGet(program, runtime);
  registerAgents(program, runtime);
  registerIdentity(program, runtime);
  registerRun(program, runtime);
  registerRuns(program, runtime);
  registerApprovals(program, runtime);
  registerPolicy(program, runtime);
  registerGuard(program, runtime);
  registerAudit(program, runtime);
  registerDatasets(program, runtime);
  registerSessions(program, runtime);
  registerSecrets(program, runtime);
  registerSandbox(program, runtime);
  registerTools(program, runtime);
  registerKnowledge(program, runtime);
  registerHooks(program, runtime);
  registerUsage(program, runtime);
  registerConfig(program, runtime);
  registerCompletion(program, runtime);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs actl with these arguments and returns the exit code (never throws). */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  printer: Printer = stdio,
  cwd = process.cwd(),
): Promise<number> {
  const program = buildProgram(env, printer, cwd);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return EXIT.ok;
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (!(error as { reported?: boolean }).reported) printer.err(describeError(error));
    return exitCodeOf(error);
  }
}
