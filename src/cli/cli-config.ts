import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { UsageError } from './exit-codes.ts';

export const ContextSchema = z.strictObject({
  server: z.url(),
  apiKey: z.string().optional(),
});
export type CliContext = z.infer<typeof ContextSchema>;

export const CliConfigSchema = z.strictObject({
  currentContext: z.string().optional(),
  contexts: z.record(z.string(), ContextSchema).default({}),
});
export type CliConfig = z.infer<typeof CliConfigSchema>;

/** ~/.config/agenticai/config.yaml, or under $XDG_CONFIG_HOME. */
export function cliConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'agenticai', 'config.yaml');
}

export function readCliConfig(path: string): CliConfig {
  if (!existsSync(path)) return { contexts: {} };
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    throw new UsageError(`${path} is not valid YAML: ${(error as Error).message}`);
  }
  const parsed = CliConfigSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${path} is invalid: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/** Writes the file with mode 0600 (it holds API keys) inside a 0700 directory. */
export function writeCliConfig(path: string, config: CliConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, stringify(config), { mode: 0o600 });
  chmodSync(path, 0o600);
}
