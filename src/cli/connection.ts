import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AgenticClient } from '../contracts/index.ts';
import { cliConfigPath, readCliConfig } from './cli-config.ts';
import { UsageError } from './exit-codes.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:7070';

export interface GlobalOptions {
  output?: string;
  server?: string;
  apiKey?: string;
  context?: string;
}

export interface Connection {
  server: string;
  apiKey: string | undefined;
  /** Where the values came from, for `actl config current-context` and error hints. */
  source: string;
}

/**
 * Where to connect: flags > env (AGENTICAI_SERVER, AGENTICAI_API_KEY) > the chosen or current
 * context > http://127.0.0.1:7070 with the key `actl up` saved in ./.agenticai/admin.key.
 */
export function resolveConnection(options: GlobalOptions, env: NodeJS.ProcessEnv, cwd = '.'): Connection {
  const config = readCliConfig(cliConfigPath(env));
  const contextName = options.context ?? config.currentContext;
  const context = contextName ? config.contexts[contextName] : undefined;
  if (options.context && !context)
    throw new UsageError(`no context named "${options.context}" (see actl config get-contexts)`);
  const server = options.server ?? env.AGENTICAI_SERVER ?? context?.server ?? DEFAULT_SERVER;
  let apiKey = options.apiKey ?? env.AGENTICAI_API_KEY ?? context?.apiKey;
  let source = options.apiKey
    ? 'flag'
    : env.AGENTICAI_API_KEY
      ? 'env'
      : context?.apiKey
        ? `context ${contextName}`
        : 'none';
  if (!apiKey) {
    const keyFile = resolve(cwd, env.AGENTICAI_DATA_DIR ?? '.agenticai', 'admin.key');
    if (existsSync(keyFile)) {
      apiKey = readFileSync(keyFile, 'utf8').trim();
      source = keyFile;
    }
  }
  return { server, apiKey, source };
}

export function clientFor(connection: Connection, version: string): AgenticClient {
  return new AgenticClient({
    baseUrl: connection.server,
    apiKey: connection.apiKey,
    userAgent: `actl/${version}`,
  });
}
