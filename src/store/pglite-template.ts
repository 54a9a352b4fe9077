import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

const PGLITE_VERSION = (() => {
  const text = readFileSync(
    new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url),
    'utf8',
  );
  return /"version"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? 'unknown';
})();

/** Where the template lives: node_modules/.cache, so `npm ci` starts it afresh. */
export const TEMPLATE_FILE = join(
  new URL('../../node_modules/.cache/agenticai/', import.meta.url).pathname,
  `pglite-${PGLITE_VERSION}-initdb.tar.gz`,
);

/**
 * A freshly initialised PGlite cluster as a tarball. PGlite's initdb takes seconds (about 9 s on
 * our 2-core machines) while loading a dump takes about 1.5 s, so new stores start from this
 * template. Built once per PGlite version and kept in node_modules/.cache; a concurrent builder
 * loses nothing (write to a temp file, then an atomic rename).
 */
export async function pgliteTemplate(): Promise<Blob> {
  if (existsSync(TEMPLATE_FILE)) return new Blob([readFileSync(TEMPLATE_FILE)]);
  const fresh = await PGlite.create();
  const dump = await fresh.dumpDataDir('gzip');
  await fresh.close();
  const bytes = Buffer.from(await dump.arrayBuffer());
  mkdirSync(join(TEMPLATE_FILE, '..'), { recursive: true });
  const temporary = `${TEMPLATE_FILE}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, TEMPLATE_FILE);
  return new Blob([bytes]);
}

/** True if the directory already holds a PGlite cluster. */
export const hasCluster = (dataDir: string): boolean => existsSync(join(dataDir, 'PG_VERSION'));
