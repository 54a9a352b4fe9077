import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manifestJsonSchemas } from '../scripts/gen-crds.ts';

describe('deploy/crds JSON Schemas', () => {
  it('match the zod schemas the API validates with (run npm run gen:crds after changing them)', () => {
    for (const [name, text] of Object.entries(manifestJsonSchemas())) {
      expect(readFileSync(new URL(`../deploy/crds/${name}`, import.meta.url), 'utf8'), name).toBe(text);
    }
  });

  it('describe the required parts of an Agent manifest', () => {
    const schema = JSON.parse(manifestJsonSchemas()['agent.schema.json'] ?? '{}');
    expect(schema.required).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata', 'spec']));
    expect(schema.properties.spec.required).toEqual(expect.arrayContaining(['model']));
    expect(schema.properties.spec.additionalProperties).toBe(false);
  });

  it('describe a ModelAlias manifest with its routing strategies and targets', () => {
    const schema = JSON.parse(manifestJsonSchemas()['modelalias.schema.json'] ?? '{}');
    expect(schema.properties.kind.const).toBe('ModelAlias');
    expect(schema.properties.spec.properties.routing_strategy.enum).toEqual([
      'cost_optimized',
      'latency_optimized',
      'weighted',
      'priority',
    ]);
    expect(schema.properties.spec.properties.targets.items.required).toEqual(['backend']);
    expect(schema.properties.spec.additionalProperties).toBe(false);
  });
});
