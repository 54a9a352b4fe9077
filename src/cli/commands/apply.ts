import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { ApiError, type ApplyResult, routes } from '../../contracts/index.ts';
import { describeError, UsageError } from '../exit-codes.ts';
import { renderData } from '../output.ts';
import type { CliRuntime } from '../runtime.ts';

interface Source {
  items: unknown[];
  /** For each item, where it came from: `file.yaml (document 2)`. */
  origins: string[];
  /** For each item, the folder its file paths are relative to (the manifest's, or the cwd). */
  bases: string[];
}

function manifestFiles(path: string): string[] {
  if (!existsSync(path)) throw new UsageError(`no such file or directory: ${path}`);
  if (!statSync(path).isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => /\.(ya?ml|json)$/.test(name))
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) throw new UsageError(`${path} holds no .yaml, .yml or .json files`);
  return files;
}

function parseDocuments(text: string, origin: string, base: string, into: Source): void {
  const documents = parseAllDocuments(text, { uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  list.forEach((document, index) => {
    const error = document.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line ?? 0;
      throw new UsageError(`${origin} document ${index + 1}, line ${line}: ${error.message.split('\n')[0]}`);
    }
    const value = document.toJS();
    if (value === null || value === undefined) return;
    const entries =
      (value as { kind?: unknown }).kind === 'List'
        ? ((value as { items?: unknown[] }).items ?? [])
        : [value];
    for (const entry of entries) {
      into.items.push(entry);
      into.origins.push(list.length > 1 ? `${origin} (document ${index + 1})` : origin);
      into.bases.push(base);
    }
  });
}

export function readManifests(paths: string[], stdin: () => string, cwd = process.cwd()): Source {
  const source: Source = { items: [], origins: [], bases: [] };
  for (const path of paths) {
    if (path === '-') parseDocuments(stdin(), '<stdin>', cwd, source);
    else
      for (const file of manifestFiles(path))
        parseDocuments(readFileSync(file, 'utf8'), file, dirname(resolve(cwd, file)), source);
  }
  if (source.items.length === 0) throw new UsageError('no manifests found in the given files');
  source.items.forEach((item, index) => {
    inlineFiles(item, source.bases[index] as string, source.origins[index] as string);
  });
  return source;
}

/**
 * Local files a Tool manifest names, read here and sent inline, since the server never reads the
 * client's disk: `documentFile` (an OpenAPI document, YAML or JSON) becomes `document`, and
 * `codeFile` (a sandbox tool's script) becomes `code`. Paths are relative to the manifest.
 */
function inlineFiles(item: unknown, base: string, origin: string): void {
  const manifest = item as { kind?: unknown; spec?: { config?: Record<string, unknown> } };
  const config = manifest?.kind === 'Tool' ? manifest.spec?.config : undefined;
  if (!config || typeof config !== 'object') return;
  const read = (key: string): string => {
    const path = config[key];
    if (typeof path !== 'string' || path === '')
      throw new UsageError(`${origin}: spec.config.${key} must be a file path`);
    const file = resolve(base, path);
    if (!existsSync(file) || !statSync(file).isFile())
      throw new UsageError(`${origin}: spec.config.${key}: no such file ${file}`);
    delete config[key];
    return readFileSync(file, 'utf8');
  };
  if ('documentFile' in config) {
    if ('document' in config || 'documentUrl' in config)
      throw new UsageError(`${origin}: give one of spec.config.documentFile, document and documentUrl`);
    const file = config.documentFile as string;
    const parsed = parseAllDocuments(read('documentFile'), { uniqueKeys: true });
    const document = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!document || document.errors.length > 0)
      throw new UsageError(`${origin}: spec.config.documentFile ${file} is not YAML or JSON`);
    config.document = document.toJS();
  }
  if ('codeFile' in config) {
    if ('code' in config) throw new UsageError(`${origin}: give spec.config.code or codeFile, not both`);
    config.code = read('codeFile');
  }
}

export function registerApply(program: Command, runtime: CliRuntime): void {
  program
    .command('apply')
    .description('Create or update objects from YAML/JSON manifests (all or nothing, idempotent)')
    .requiredOption('-f, --filename <path...>', 'file, directory or - for stdin (repeatable)')
    .option('--dry-run', 'validate and report what would change, without writing')
    .option('--draft', 'keep changed agents as drafts instead of publishing them')
    .action(async (options: { filename: string[]; dryRun?: boolean; draft?: boolean }) => {
      const source = readManifests(options.filename, () => readFileSync(0, 'utf8'));
      const client = runtime.client();
      let result: ApplyResult;
      try {
        result = await client.call(routes.apply, {
          body: { items: source.items },
          query: { dryRun: options.dryRun ? 'true' : 'false', draft: options.draft ? 'true' : 'false' },
        });
      } catch (error) {
        if (error instanceof ApiError && error.problem.errors) {
          runtime.printer.err(
            describeError(error, (pointer) => {
              const match = /^\/items\/(\d+)(.*)$/.exec(pointer);
              const origin = match ? source.origins[Number(match[1])] : undefined;
              return origin && match ? `${origin}: ${match[2] || '/'}` : pointer;
            }),
          );
          throw Object.assign(error, { reported: true });
        }
        throw error;
      }
      const format = runtime.format();
      if (format === 'json' || format === 'yaml') {
        runtime.printer.out(renderData(result, format));
        return;
      }
      const suffix = result.dryRun ? ' (dry run)' : '';
      for (const item of result.items) {
        const version =
          item.kind === 'Agent' && item.version !== undefined && item.action !== 'unchanged'
            ? ` (version ${item.version})`
            : '';
        runtime.printer.out(`${item.kind.toLowerCase()}/${item.name} ${item.action}${version}${suffix}`);
      }
    });
}
