import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** actl's version, from package.json (the CLI does not import server code, so it reads its own). */
export const VERSION: string = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))).version;
