import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of agenticai's package.json, found by walking up from this module, so paths hold
 * whether the code runs from src/ (tsx), dist/ (tsc) or a bundle.
 */
export const PACKAGE_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && /"name"\s*:\s*"agenticai"/.test(readFileSync(candidate, 'utf8'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the agenticai package root');
    dir = parent;
  }
})();
