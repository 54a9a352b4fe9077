import { AppError, parseOrThrow } from '../core/index.ts';
import { type CompiledRule, compileRule, customMatches } from './custom-rule.ts';
import { type PiiMaskingConfig, type PiiMaskingConfigInput, PiiMaskingConfigSchema } from './pii-config.ts';
import { BUILTIN_DETECTORS, type BuiltinDetector } from './pii-detectors.ts';
import { type RenderContext, renderEntity } from './pii-render.ts';
import { PII_TYPES, type PiiAction, type PiiEntity } from './pii-types.ts';
import { PseudonymVault, restorePlaceholders } from './pseudonym-vault.ts';
import { resolveOverlaps } from './resolve-overlaps.ts';

export interface PiiMaskerOptions {
  /** Key of the `hash` action's HMAC. Required when the config uses `hash` anywhere. */
  hashKey?: string | Uint8Array;
}

export interface MaskOptions {
  /** Vault for entities whose action is `pseudonymize`; a fresh one per call when omitted. */
  vault?: PseudonymVault;
}

export interface MaskedText {
  text: string;
  entities: PiiEntity[];
}

/**
 * Detects and masks PII in text and in JSON values. Everything a config implies (which
 * detectors, which actions, the custom rules compiled to RE2) is worked out once in the
 * constructor; `detect` and `maskText` run each detector once over the text and build the result
 * in one pass, so cost is linear in the text length.
 *
 * Overlapping detections are resolved deterministically: the longest span wins; on a tie, custom
 * rules (in policy order) beat built-ins, and built-ins follow `PII_TYPES` order (most specific
 * first: a JWT inside a `Bearer` header is a JWT, an 18-digit ID that passes Luhn is a `CN_ID`).
 */
export class PiiMasker {
  readonly config: PiiMaskingConfig;
  private readonly builtins: readonly { detector: BuiltinDetector; action: PiiAction; rank: number }[];
  private readonly rules: readonly { rule: CompiledRule; action: PiiAction; rank: number }[];
  private readonly hashKey: Uint8Array | undefined;

  /** Throws INVALID_REQUEST (with field pointers) for a bad config, INTERNAL for `hash` without a key. */
  constructor(config: PiiMaskingConfigInput, options: PiiMaskerOptions = {}) {
    this.config = parseOrThrow(PiiMaskingConfigSchema, config, 'pii_masking');
    const enabledTypes = new Set(this.config.detectors ?? BUILTIN_DETECTORS.map((d) => d.type));
    const actionOf = (type: BuiltinDetector['type']) =>
      this.config.actions[type] ?? this.config.default_action;
    const customCount = this.config.rules.length;
    this.rules = this.config.rules.map((rule, index) => ({
      rule: compileRule(rule.name, rule.regex),
      action: rule.action ?? this.config.default_action,
      rank: index,
    }));
    this.builtins = BUILTIN_DETECTORS.filter((d) => enabledTypes.has(d.type)).map((detector) => ({
      detector,
      action: actionOf(detector.type),
      rank: customCount + PII_TYPES.indexOf(detector.type),
    }));
    const usesHash =
      this.builtins.some((b) => b.action === 'hash') || this.rules.some((r) => r.action === 'hash');
    this.hashKey =
      typeof options.hashKey === 'string' ? new TextEncoder().encode(options.hashKey) : options.hashKey;
    if (usesHash && (!this.hashKey || this.hashKey.length === 0))
      throw new AppError('INTERNAL', 'pii_masking uses the hash action but the masker was given no hashKey');
  }

  /** Entities in `text`, sorted by start, never overlapping. Empty when masking is disabled. */
  detect(text: string): PiiEntity[] {
    if (!this.config.enabled || text.length === 0) return [];
    const candidates: (PiiEntity & { rank: number })[] = [];
    for (const { detector, action, rank } of this.builtins) {
      const pattern = detector.pattern;
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        const value = detector.group === undefined ? match[0] : match[detector.group];
        if (value === undefined || value.length === 0) continue;
        const end = match.index + match[0].length;
        const span = detector.type === 'PRIVATE_KEY' ? value.trimEnd() : value;
        if (detector.validate && !detector.validate(span)) continue;
        const start = end - value.length;
        candidates.push({ type: detector.type, start, end: start + span.length, action, rank });
      }
    }
    for (const { rule, action, rank } of this.rules) {
      for (const [start, end] of customMatches(rule, text))
        candidates.push({ type: rule.name, start, end, action, rank });
    }
    return resolveOverlaps(candidates).map(({ type, start, end, action }) => ({ type, start, end, action }));
  }

  /** `text` with every entity replaced according to its action, and the entities (offsets into the input). */
  maskText(text: string, options: MaskOptions = {}): MaskedText {
    const entities = this.detect(text);
    if (entities.length === 0) return { text, entities };
    return { text: this.render(text, entities, this.context(options.vault)), entities };
  }

  /**
   * A copy of `value` in which every string inside (object values and array items, at any depth)
   * is masked. Object keys, numbers and booleans are kept: a number is not scanned, so a phone
   * number stored as a JSON number passes unchanged. Values that are not plain objects or arrays
   * (Dates, class instances) are returned as they are. A cycle becomes `"[Circular]"`.
   */
  maskValue(value: unknown, options: MaskOptions = {}): unknown {
    if (!this.config.enabled) return value;
    const context = this.context(options.vault);
    const seen = new WeakSet<object>();
    const walk = (node: unknown): unknown => {
      if (typeof node === 'string') {
        const entities = this.detect(node);
        return entities.length === 0 ? node : this.render(node, entities, context);
      }
      if (typeof node !== 'object' || node === null) return node;
      if (seen.has(node)) return '[Circular]';
      if (Array.isArray(node)) {
        seen.add(node);
        const out = node.map(walk);
        seen.delete(node);
        return out;
      }
      const prototype = Object.getPrototypeOf(node);
      if (prototype !== Object.prototype && prototype !== null) return node;
      seen.add(node);
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) out[key] = walk(child);
      seen.delete(node);
      return out;
    };
    return walk(value);
  }

  /**
   * Replaces every entity (whatever its configured action) with a `<TYPE_n>` placeholder held in
   * `vault`, for text leaving the platform (prompts to external model backends). Reuse the
   * returned vault for the next message of the same exchange and for `restore`.
   */
  pseudonymize(
    text: string,
    vault: PseudonymVault = new PseudonymVault(),
  ): { text: string; vault: PseudonymVault } {
    const entities = this.detect(text).map((entity) => ({ ...entity, action: 'pseudonymize' as const }));
    if (entities.length === 0) return { text, vault };
    return { text: this.render(text, entities, this.context(vault)), vault };
  }

  /** Puts back the originals of the placeholders `vault` issued; see `restorePlaceholders`. */
  restore(text: string, vault: PseudonymVault): string {
    return restorePlaceholders(text, vault);
  }

  private context(vault: PseudonymVault | undefined): RenderContext {
    return { hashKey: this.hashKey, vault: vault ?? new PseudonymVault() };
  }

  private render(text: string, entities: readonly PiiEntity[], context: RenderContext): string {
    const parts: string[] = [];
    let cursor = 0;
    for (const entity of entities) {
      parts.push(text.slice(cursor, entity.start));
      parts.push(renderEntity(entity.action, entity.type, text.slice(entity.start, entity.end), context));
      cursor = entity.end;
    }
    parts.push(text.slice(cursor));
    return parts.join('');
  }
}
