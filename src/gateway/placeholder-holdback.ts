import type { PseudonymSession } from './ports.ts';

/** The longest placeholder the guard writes (`<EMAIL_12345>` and the like), with room to spare. */
const MAX_PLACEHOLDER = 64;

/**
 * Restores placeholders in streamed text that may split them across deltas (`<EMA` + `IL_1>`):
 * per choice, text from an unclosed `<` is held back (at most 64 characters) until it closes or
 * the choice ends, then restored whole. Text that holds no `<` passes at once.
 */
export class PlaceholderHoldback {
  readonly #pending = new Map<number, string>();

  constructor(private readonly session: PseudonymSession) {}

  /** The restored text to send now for this delta of `choice`. */
  push(choice: number, delta: string): string {
    const text = (this.#pending.get(choice) ?? '') + delta;
    const open = text.lastIndexOf('<');
    if (open !== -1 && !text.includes('>', open) && text.length - open <= MAX_PLACEHOLDER) {
      this.#pending.set(choice, text.slice(open));
      return this.session.restore(text.slice(0, open));
    }
    this.#pending.delete(choice);
    return this.session.restore(text);
  }

  /** Whatever `choice` still holds, restored: its last text. */
  flush(choice: number): string {
    const text = this.#pending.get(choice) ?? '';
    this.#pending.delete(choice);
    return this.session.restore(text);
  }
}
