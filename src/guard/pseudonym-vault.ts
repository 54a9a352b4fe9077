/**
 * The memory behind `pseudonymize`: which original value each `<TYPE_n>` placeholder stands for.
 * One vault covers one conversation turn (a prompt sent to an external model backend and the
 * answer that comes back), so the same value gets the same placeholder throughout and the model
 * can still tell two different e-mail addresses apart. It holds the very data we are hiding: keep
 * it in memory for the exchange, never log or persist it.
 */
export class PseudonymVault {
  private readonly placeholders = new Map<string, string>();
  private readonly originals = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  /** The placeholder for `value` of `type`, allocating `<TYPE_n>` (n from 1, per type) on first sight. */
  placeholderFor(type: string, value: string): string {
    const key = `${type}\u0000${value}`;
    const known = this.placeholders.get(key);
    if (known) return known;
    const next = (this.counters.get(type) ?? 0) + 1;
    this.counters.set(type, next);
    const placeholder = `<${type}_${next}>`;
    this.placeholders.set(key, placeholder);
    this.originals.set(placeholder, value);
    return placeholder;
  }

  /** The original value of a placeholder, or undefined when this vault never issued it. */
  originalOf(placeholder: string): string | undefined {
    return this.originals.get(placeholder);
  }

  get size(): number {
    return this.originals.size;
  }
}

const PLACEHOLDER = /<[A-Za-z][A-Za-z0-9_]{0,62}_\d{1,9}>/g;

/**
 * Puts the originals back where `text` (typically a model's answer) repeats placeholders from
 * `vault`. Placeholders the vault did not issue are left as they are, so a user who types
 * `<EMAIL_9>` gets exactly that back.
 */
export function restorePlaceholders(text: string, vault: PseudonymVault): string {
  if (vault.size === 0 || !text.includes('<')) return text;
  return text.replace(PLACEHOLDER, (placeholder) => vault.originalOf(placeholder) ?? placeholder);
}
