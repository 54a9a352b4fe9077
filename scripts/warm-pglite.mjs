// npm postinstall: builds the PGlite template (an initialised empty cluster) once, so the first
// `npm start` and every test database start in about a second instead of running initdb (~9 s).
// Never fails the install: without the template, the platform builds it on first start.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (
  existsSync(new URL('../node_modules/tsx/package.json', import.meta.url)) &&
  process.env.AGENTICAI_SKIP_WARMUP !== '1'
) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '-e', "await (await import('./src/store/pglite-template.ts')).pgliteTemplate()"],
    { stdio: 'inherit', cwd: new URL('..', import.meta.url).pathname },
  );
  if (result.status !== 0)
    console.warn('agenticai: could not pre-build the PGlite template; the first start will build it');
}
