// npm postinstall. Never fails the install: each step only makes the first start faster.
// 1. Bundle actl into dist/bin (about a second), so bin/actl need not compile TypeScript.
// 2. Build the static in-sandbox launcher of the gVisor driver (needs a C compiler; else Perl's).
// 3. Build the PGlite template (an initialised empty cluster), so the first `npm start` and every
//    test database start in about a second instead of running initdb (about 9 s).
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
if (process.env.AGENTICAI_SKIP_POSTINSTALL !== '1') {
  try {
    const { buildBin } = await import('./build-bin.mjs');
    await buildBin();
  } catch (error) {
    console.warn(`agenticai: could not bundle actl (${error.message}); bin/actl will run from the sources`);
  }
  const { buildLauncher } = await import('./build-launcher.mjs');
  buildLauncher();
  const warm = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      "await (await import('./src/store/pglite-template.ts')).ensurePgliteTemplate()",
    ],
    { stdio: 'inherit', cwd: root },
  );
  if (warm.status !== 0)
    console.warn('agenticai: could not pre-build the PGlite template; the first start will');
}
