// Writes the JSON Schema of every manifest kind into deploy/crds/<kind>.schema.json, from the same
// zod schemas the API validates with. `--check` fails (exit 1) if the committed files are stale.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { API_VERSION, MANIFEST_SCHEMAS } from '../src/contracts/index.ts';

const OUT = new URL('../deploy/crds/', import.meta.url).pathname;

export function manifestJsonSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [kind, schema] of Object.entries(MANIFEST_SCHEMAS)) {
    const json = {
      ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', target: 'draft-2020-12' }),
      $id: `https://agenticai.dev/schemas/${API_VERSION}/${kind}.json`,
      title: `${kind} (${API_VERSION})`,
    };
    files[`${kind.toLowerCase()}.schema.json`] = `${JSON.stringify(json, null, 2)}\n`;
  }
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  mkdirSync(OUT, { recursive: true });
  for (const [name, text] of Object.entries(manifestJsonSchemas())) {
    const path = join(OUT, name);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (current === text) continue;
    if (check) stale.push(name);
    else {
      writeFileSync(path, text);
      console.log(`wrote deploy/crds/${name}`);
    }
  }
  if (stale.length > 0) {
    console.error(`deploy/crds is stale (${stale.join(', ')}): run npm run gen:crds`);
    process.exit(1);
  }
}
