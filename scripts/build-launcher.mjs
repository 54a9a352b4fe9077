// Builds the gVisor driver's in-sandbox launcher (src/sandbox/launcher/sandbox-launch.c) into
// dist/sandbox/sandbox-launch: a static binary, so it runs inside any sandbox root without a
// dynamic loader. Runs at npm postinstall and before the tests; rebuilds only when the source is
// newer. Without a C compiler (or static libc) it says so and the driver keeps its Perl launcher.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const source = `${root}src/sandbox/launcher/sandbox-launch.c`;
export const LAUNCHER_BINARY = `${root}dist/sandbox/sandbox-launch`;

/** Returns true when the binary is there and current. Never throws. */
export function buildLauncher() {
  try {
    if (existsSync(LAUNCHER_BINARY) && statSync(LAUNCHER_BINARY).mtimeMs >= statSync(source).mtimeMs)
      return true;
    if (process.platform !== 'linux') return false;
    mkdirSync(`${root}dist/sandbox`, { recursive: true });
    const partial = `${LAUNCHER_BINARY}.partial`;
    const cc = process.env.CC || 'cc';
    const built = spawnSync(cc, ['-static', '-Os', '-s', '-Wall', '-Werror', '-o', partial, source], {
      encoding: 'utf8',
    });
    if (built.status !== 0) {
      rmSync(partial, { force: true });
      const why = built.error ? built.error.message : built.stderr.trim().split('\n').slice(-1)[0];
      console.warn(`agenticai: no static sandbox launcher (${cc}: ${why}); gVisor execs start through Perl`);
      return false;
    }
    renameSync(partial, LAUNCHER_BINARY);
    return true;
  } catch (error) {
    console.warn(`agenticai: no static sandbox launcher (${error.message}); gVisor execs start through Perl`);
    return false;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) buildLauncher();
