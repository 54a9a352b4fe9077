import { join, relative } from 'node:path';
import type { Command } from 'commander';
import type { Config, Platform } from '../../main.ts';
import { UsageError } from '../exit-codes.ts';
import type { CliRuntime } from '../runtime.ts';

interface ServerFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  config?: string;
  logLevel?: string;
}

function serverOptions(command: Command): Command {
  return command
    .option('--host <host>', 'address to listen on (default 127.0.0.1; env AGENTICAI_HOST)')
    .option('--port <port>', 'port (default 7070; env AGENTICAI_PORT)')
    .option('--data-dir <dir>', 'embedded store and admin.key (default ./.agenticai; env AGENTICAI_DATA_DIR)')
    .option('--config <file>', 'config file (default ./agenticai.yaml if present; env AGENTICAI_CONFIG)')
    .option('--log-level <level>', 'trace, debug, info, warn, error (env AGENTICAI_LOG_LEVEL)');
}

/**
 * Loads the server's code (on demand: its dependencies stay out of client commands), builds the
 * config from the flags and starts the platform. Config problems are mistakes in how actl was
 * called: exit 2, listing each problem.
 */
async function start(
  runtime: CliRuntime,
  flags: ServerFlags,
  mode: 'up' | 'serve' | 'worker',
): Promise<Platform> {
  const { loadConfig, startPlatform } = await import('../../main.ts');
  let config: Config;
  try {
    config = loadConfig({
      flags: {
        host: flags.host,
        port: flags.port,
        dataDir: flags.dataDir,
        config: flags.config,
        logLevel: flags.logLevel,
        ...(mode === 'up' ? { demo: true } : {}),
      } as never,
      // The laptop setup prints a banner; its request logs would drown it unless asked for.
      env: mode === 'up' ? { AGENTICAI_LOG_LEVEL: 'warn', ...runtime.env } : runtime.env,
      cwd: runtime.cwd,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  return startPlatform(config, { mode: mode === 'worker' ? 'worker' : 'all' });
}

async function runUntilStopped(runtime: CliRuntime, platform: Platform): Promise<void> {
  const signal = await runtime.stopSignal();
  runtime.printer.err(`received ${signal}: finishing in-flight requests, then stopping`);
  await platform.close();
}

function banner(
  runtime: CliRuntime,
  platform: Platform,
  startupMs: number,
  sandbox: { name: string | null; reason: string },
): string {
  const dataDir = relative(runtime.cwd, platform.config.dataDir) || '.';
  const keyFile = relative(runtime.cwd, platform.adminKeyFile);
  const store = platform.database.kind === 'pglite' ? `PGlite in ${dataDir}` : 'PostgreSQL';
  const lines = [
    `agenticai ${runtime.version} is up at ${platform.url}  (store: ${store}; ready in ${(startupMs / 1000).toFixed(1)} s)`,
    '',
  ];
  if (platform.bootstrap.generatedKey) {
    lines.push(
      `Admin API key (shown once; saved to ${keyFile}, mode 0600):`,
      `  ${platform.bootstrap.generatedKey}`,
      '',
    );
  } else if (platform.config.bootstrapAdminKey) {
    lines.push(`Admin API key: the one in AGENTICAI_BOOTSTRAP_ADMIN_KEY (also saved to ${keyFile}).`, '');
  } else {
    lines.push(`Admin API key: created on the first start, saved in ${keyFile}.`, '');
  }
  lines.push(
    'Point actl (or curl) at it:',
    `  export AGENTICAI_SERVER=${platform.url}`,
    `  export AGENTICAI_API_KEY=$(cat ${keyFile})`,
    '',
  );
  if (platform.demoLoaded.length > 0) lines.push(`Demo loaded: ${platform.demoLoaded.join(', ')}`, '');
  lines.push(
    sandbox.name
      ? `Sandboxes: ${sandbox.reason}. Try: bin/actl sandbox create`
      : `Sandboxes: none, code tools are disabled: ${sandbox.reason}`,
    '',
  );
  if (platform.demo.scenario) lines.push(...scenarioSteps(runtime, platform), '');
  lines.push(
    'Try:',
    '  bin/actl get agents',
    '  bin/actl describe agent triage-workflow',
    '  bin/actl apply -f examples/agents/',
    `  curl -s ${platform.url}/api/v1/openapi.json | head -c 200`,
    '',
    `Observe: bin/actl runs trace RUN_ID · bin/actl usage · ${platform.url}/metrics`,
    '',
    'Stop with Ctrl-C.',
  );
  return lines.join('\n');
}

/** What to do next with the security-operations scenario: fire an alert, watch, approve, rate. */
function scenarioSteps(runtime: CliRuntime, platform: Platform): string[] {
  const secretFile = relative(runtime.cwd, join(platform.config.dataDir, 'siem-webhook.secret'));
  const model = platform.demo.model;
  return [
    'Security-operations copilot (examples/secops/, walkthrough in docs/quickstart.md):',
    '  1. Fire a sample SIEM alert, signed with the webhook secret (send it twice: still one run):',
    `       export SIEM_HOOK_SECRET=$(cat ${secretFile})`,
    '       bin/actl hooks send siem-alert --data @examples/secops/alert.json --secret-env SIEM_HOOK_SECRET',
    '  2. Watch the run live:        bin/actl runs events RUN_ID --follow',
    '  3. Approve the firewall block: bin/actl approvals list, then bin/actl approvals approve APPROVAL_ID',
    '  4. Say how it did:            bin/actl runs feedback RUN_ID --up   (or --down --correction "...")',
    ...(model
      ? [`  Model: ${model.name} at ${model.endpoint} (ModelBackend demo-llm); triage-react uses it too.`]
      : [
          '  Model: none configured. The workflow says plainly that its analysis ran without a model;',
          '  set AGENTICAI_OPENAI_BASE_URL (vLLM, Ollama, any OpenAI-compatible API) to use one.',
        ]),
  ];
}

export function registerServer(program: Command, runtime: CliRuntime): void {
  serverOptions(
    program
      .command('up')
      .description(
        'Start everything in one process on this machine: API server, embedded store, demo agents',
      ),
  ).action(async (flags: ServerFlags) => {
    const started = performance.now();
    const platform = await start(runtime, flags, 'up');
    const startupMs = performance.now() - started;
    // The driver probe runs a real command in each candidate; the banner says which one won.
    runtime.printer.out(banner(runtime, platform, startupMs, await platform.sandboxDriver()));
    await runUntilStopped(runtime, platform);
  });

  serverOptions(
    program
      .command('serve')
      .description('Run the API server (team setup: DATABASE_URL, REDIS_URL; run several replicas)'),
  ).action(async (flags: ServerFlags) => {
    const platform = await start(runtime, flags, 'serve');
    if (platform.bootstrap.generatedKey) {
      runtime.printer.err(
        `Admin API key (shown once; saved to ${platform.adminKeyFile}): ${platform.bootstrap.generatedKey}`,
      );
    }
    await runUntilStopped(runtime, platform);
  });

  serverOptions(
    program
      .command('worker')
      .description(
        'Run only run workers (no API): claim runs from the shared PostgreSQL queue and execute them',
      ),
  ).action(async (flags: ServerFlags) => {
    const platform = await start(runtime, flags, 'worker');
    runtime.printer.err(`agenticai worker running (store: ${platform.database.kind}); stop with Ctrl-C`);
    await runUntilStopped(runtime, platform);
  });
}
