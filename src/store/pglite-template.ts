import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PACKAGE_ROOT } from '../core/index.ts';

const PGLITE_VERSION = (() => {
  const text = readFileSync(
    join(PACKAGE_ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'),
    'utf8',
  );
  return /"version"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? 'unknown';
})();

/** An initialised, empty PGlite cluster, kept in node_modules/.cache so `npm ci` starts it afresh. */
export const TEMPLATE_DIR = join(
  PACKAGE_ROOT,
  'node_modules',
  '.cache',
  'agenticai',
  `pglite-${PGLITE_VERSION}-initdb`,
);

/** True if the directory already holds a PGlite cluster. */
export const hasCluster = (dataDir: string): boolean => existsSync(join(dataDir, 'PG_VERSION'));

/**
 * Makes sure the template cluster exists and returns its directory. PGlite's initdb takes seconds
 * (about 5–9 s on our 2-core machines); copying the template and opening it takes about 0.5 s.
 * Built once per PGlite version; builders that race each build their own copy and one rename wins.
 */
export async function ensurePgliteTemplate(): Promise<string> {
  if (hasCluster(TEMPLATE_DIR)) return TEMPLATE_DIR;
  const building = `${TEMPLATE_DIR}.${process.pid}.${Date.now()}.tmp`;
  mkdirSync(building, { recursive: true });
  const lite = await PGlite.create({ dataDir: building });
  await lite.close();
  try {
    renameSync(building, TEMPLATE_DIR);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    if (!hasCluster(TEMPLATE_DIR)) throw error;
  }
  return TEMPLATE_DIR;
}

/** Fills an empty directory with a copy of the template cluster. */
export async function seedFromTemplate(dataDir: string): Promise<void> {
  cpSync(await ensurePgliteTemplate(), dataDir, { recursive: true });
}
