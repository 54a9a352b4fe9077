import { readFileSync } from 'node:fs';

/** The package version, read once from package.json beside src/ (or dist/). */
export const VERSION: string = (() => {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const match = /"version"\s*:\s*"([^"]+)"/.exec(text);
  return match?.[1] ?? '0.0.0';
})();
