import { parseOrThrow } from '../core/index.ts';
import { type PiiMaskingConfig, PiiMaskingConfigSchema } from './pii-config.ts';

export type CompiledPiiConfig = PiiMaskingConfig;

/**
 * Validates a raw `pii_masking:` section. Throws INVALID_REQUEST whose `fieldErrors` point at
 * every problem under `prefix` (e.g. `/rules/0/regex` for a pattern that does not compile or can
 * backtrack catastrophically), so a Policy can report them at `/spec/pii_masking/...`.
 */
export function compilePiiConfig(raw: unknown, prefix = ''): CompiledPiiConfig {
  return parseOrThrow(PiiMaskingConfigSchema, raw, 'pii_masking', prefix);
}
