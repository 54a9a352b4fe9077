import type { Command } from 'commander';
import type { AgenticClient } from '../contracts/index.ts';
import { type Connection, clientFor, type GlobalOptions, resolveConnection } from './connection.ts';
import { type OutputFormat, type Printer, parseOutputFormat } from './output.ts';

/** What every command needs: the environment, where to print, and a client built from global flags. */
export interface CliRuntime {
  env: NodeJS.ProcessEnv;
  printer: Printer;
  version: string;
  cwd: string;
  globals(): GlobalOptions;
  connection(): Connection;
  client(): AgenticClient;
  format(): OutputFormat;
  /** Resolves when the process should stop (SIGINT / SIGTERM); used by long-running commands. */
  stopSignal(): Promise<NodeJS.Signals>;
}

export function createRuntime(
  program: Command,
  env: NodeJS.ProcessEnv,
  printer: Printer,
  version: string,
  cwd: string,
  stopSignal: () => Promise<NodeJS.Signals>,
): CliRuntime {
  const globals = () => program.opts<GlobalOptions>();
  return {
    env,
    printer,
    version,
    cwd,
    globals,
    connection: () => resolveConnection(globals(), env, cwd),
    client: () => clientFor(resolveConnection(globals(), env, cwd), version),
    format: () => parseOutputFormat(globals().output),
    stopSignal,
  };
}
