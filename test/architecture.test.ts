import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const isTest = (file: string) => /\.(test|contract|test-support)\.ts$/.test(file);
const componentOf = (file: string) => relative(SRC, file).split('/')[0] ?? '';

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'([^']+)'/g)].map((m) => m[1] ?? '');
  return specifiers.filter(Boolean);
}

const files = sourceFiles(SRC).filter((file) => !isTest(file));

/** Server components other than contracts/core may import only these components' index.ts. */
const ALLOWED_DEPENDENCIES: Record<string, readonly string[]> = {
  contracts: [],
  core: ['contracts'],
  config: ['contracts', 'core'],
  store: [
    'contracts',
    'core',
    'registry',
    'identity',
    'orchestrator',
    'policy',
    'audit',
    'secrets',
    'knowledge',
    'feedback',
    'triggers',
  ],
  identity: ['contracts', 'core'],
  registry: ['contracts', 'core'],
  runtime: ['contracts', 'core'],
  tools: ['contracts', 'core', 'runtime'],
  secrets: ['contracts', 'core'],
  // The SDK teams build their own tools with: it stands alone (and on the MCP SDK).
  sdk: [],
  policy: ['contracts', 'core'],
  guard: ['contracts', 'core'],
  audit: ['contracts', 'core'],
  orchestrator: ['contracts', 'core', 'runtime'],
  gateway: ['contracts', 'core', 'runtime'],
  telemetry: ['contracts', 'core'],
  sandbox: ['contracts', 'core', 'runtime', 'tools'],
  knowledge: ['contracts', 'core', 'runtime', 'tools'],
  feedback: ['contracts', 'core'],
  triggers: ['contracts', 'core'],
  api: [
    'contracts',
    'core',
    'identity',
    'registry',
    'orchestrator',
    'policy',
    'guard',
    'audit',
    'gateway',
    'secrets',
    'tools',
    'sandbox',
    'knowledge',
    'feedback',
    'triggers',
  ],
  cli: ['contracts', 'main.ts'],
  wiring: [
    'api',
    'audit',
    'config',
    'contracts',
    'core',
    'gateway',
    'guard',
    'identity',
    'orchestrator',
    'policy',
    'registry',
    'runtime',
    'secrets',
    'store',
    'telemetry',
    'tools',
    'sandbox',
    'knowledge',
    'feedback',
    'triggers',
  ],
  'main.ts': [
    'api',
    'telemetry',
    'gateway',
    'audit',
    'guard',
    'policy',
    'wiring',
    'config',
    'contracts',
    'core',
    'identity',
    'orchestrator',
    'registry',
    'runtime',
    'secrets',
    'store',
    'tools',
    'sandbox',
  ],
};

describe('architecture', () => {
  it('knows every component in src/', () => {
    const components = new Set(files.map(componentOf));
    expect([...components].filter((c) => !(c in ALLOWED_DEPENDENCIES))).toEqual([]);
  });

  it('imports other components only through their index.ts, and only allowed ones', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = componentOf(file);
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier);
        const to = componentOf(target);
        if (to === from) continue;
        const where = `${relative(SRC, file)} → ${relative(SRC, target)}`;
        if (!(ALLOWED_DEPENDENCIES[from] ?? []).includes(to))
          violations.push(`forbidden dependency ${where}`);
        else if (to !== 'main.ts' && relative(join(SRC, to), target) !== 'index.ts')
          violations.push(`deep import ${where}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps contracts free of everything but zod, so the CLI, console and SDK can use it', () => {
    const external = files
      .filter((f) => componentOf(f) === 'contracts')
      .flatMap((f) =>
        importsOf(f)
          .filter((s) => !s.startsWith('.'))
          .map((s) => `${relative(SRC, f)}: ${s}`),
      );
    expect(external.filter((line) => !line.endsWith(': zod'))).toEqual([]);
  });

  it('reads process.env only at the edges (config loading happens in the CLI entry points)', () => {
    const readers = files
      .filter((f) => readFileSync(f, 'utf8').includes('process.env'))
      .map((f) => relative(SRC, f));
    expect(readers.filter((f) => !f.startsWith('cli/'))).toEqual([]);
  });

  it('parses JSON only in validating helpers', () => {
    const allowed = new Set(['contracts/client.ts']);
    const parsers = files
      .filter((f) => readFileSync(f, 'utf8').includes('JSON.parse('))
      .map((f) => relative(SRC, f));
    expect(parsers.filter((f) => !allowed.has(f))).toEqual([]);
  });

  it('keeps files under 400 lines', () => {
    const long = files
      .map((f) => ({ file: relative(SRC, f), lines: readFileSync(f, 'utf8').split('\n').length }))
      .filter((f) => f.lines > 400);
    expect(long).toEqual([]);
  });
});
