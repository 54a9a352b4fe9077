import { ensurePgliteTemplate } from '../../src/store/pglite-template.ts';

/** Builds the PGlite template once, before test files start their own databases in parallel. */
export default async function setup(): Promise<void> {
  await ensurePgliteTemplate();
}
