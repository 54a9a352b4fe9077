// Bundles actl (and, as a lazily loaded chunk, the server) into dist/bin with esbuild, so
// bin/actl starts without compiling TypeScript on the fly. Dependencies stay external.
// Runs at npm postinstall and in `npm run build`; bin/actl falls back to the sources when any
// file under src/ is newer than the bundle.
import { copyFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

export async function buildBin() {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/cli/actl.ts'],
    outdir: 'dist/bin',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  });
  // Worker threads load from a file beside the chunk that starts them (new URL(…, import.meta.url)).
  copyFileSync(`${root}src/store/pglite-worker.mjs`, `${root}dist/bin/chunks/pglite-worker.mjs`);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildBin();
