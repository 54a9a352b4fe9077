import { existsSync, promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { PACKAGE_ROOT } from '../core/index.ts';

/**
 * The static in-sandbox launcher (src/sandbox/launcher/sandbox-launch.c), built at install by
 * scripts/build-launcher.mjs. Found from the package root: the CLI runs from a bundle in dist/bin.
 */
export const NATIVE_LAUNCHER_PATH: string = join(PACKAGE_ROOT, 'dist', 'sandbox', 'sandbox-launch');

/** Where a sandbox sees it (its run folder, bound read-only). */
export const SANDBOX_NATIVE_LAUNCHER = '/run/agenticai/sandbox-launch';

/** The built launcher's host path, or null where it was not built (no C compiler at install). */
export function builtLauncher(): string | null {
  return existsSync(NATIVE_LAUNCHER_PATH) ? NATIVE_LAUNCHER_PATH : null;
}

/**
 * Puts the launcher into a sandbox's run folder: a hard link where the folder is on the same file
 * system (no copy per sandbox), a copy where it is not. Owned by root, mode 0755, bound read-only.
 */
export async function placeLauncher(launcher: string, runFolder: string): Promise<void> {
  const target = join(runFolder, basename(SANDBOX_NATIVE_LAUNCHER));
  await fs.link(launcher, target).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EXDEV' && error.code !== 'EPERM') throw error;
    await fs.copyFile(launcher, target);
    await fs.chmod(target, 0o755);
  });
}
