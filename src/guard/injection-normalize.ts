/**
 * Undoes the cheap disguises before any phrase is matched: invisible characters, Unicode "tag"
 * characters (which smuggle ASCII that renders as nothing), compatibility forms (full-width
 * letters, mathematical alphanumerics, ligatures) via NFKC, and Cyrillic/Greek letters that look
 * Latin. Lookalikes are mapped only inside words whose every non-ASCII letter has a Latin twin, so
 * "іgnоrе" becomes "ignore" while real Russian or Greek words stay readable to their own patterns.
 */
export interface NormalizedText {
  /** Lower-cased, disguise-free text that the phrase layers read. */
  text: string;
  /** Invisible characters sat between letters (not, e.g., a joiner inside an emoji sequence). */
  zeroWidthInWords: boolean;
  /** Text hidden in Unicode tag characters, decoded to ASCII; empty when there was none. */
  tagText: string;
  /** Some word mixed Latin with lookalike Cyrillic/Greek letters. */
  homoglyphs: boolean;
}

const ZERO_WIDTH = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
const ZERO_WIDTH_IN_WORD =
  /[\p{L}\p{N}][\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]+[\p{L}\p{N}]/u;
const TAG_CHARACTERS = /[\u{E0000}-\u{E007F}]/gu;

const CONFUSABLES: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  ɑ: 'a',
  ո: 'n',
  ս: 'u',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ӏ: 'l',
  ı: 'i',
};
const WORD = /\p{L}+/gu;
const NATIVE_LETTER = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;
const CONFUSABLE_LETTERS = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'gu');
const NON_ASCII_LETTER = /[^\p{ASCII}]/u;

export function normalizeForMatching(raw: string): NormalizedText {
  let tagText = '';
  let text = raw;
  if (/[\u{E0000}-\u{E007F}]/u.test(text)) {
    tagText = [...text.matchAll(TAG_CHARACTERS)]
      .map((m) => String.fromCharCode((m[0].codePointAt(0) ?? 0xe0000) - 0xe0000))
      .join('');
    text = text.replace(TAG_CHARACTERS, '');
  }
  const zeroWidthInWords = ZERO_WIDTH_IN_WORD.test(text);
  text = text.replace(ZERO_WIDTH, '').normalize('NFKC').toLowerCase();
  let homoglyphs = false;
  if (NON_ASCII_LETTER.test(text)) {
    // Text that also has Cyrillic/Greek letters without a Latin twin is genuinely in that script:
    // then only words that mix in Latin letters are disguises.
    const nativeScript = NATIVE_LETTER.test(text.replace(CONFUSABLE_LETTERS, ''));
    text = text.replace(WORD, (word) => {
      if (nativeScript && !/[a-z]/.test(word)) return word;
      if (!NON_ASCII_LETTER.test(word)) return word;
      let mapped = '';
      for (const char of word) {
        if (char.charCodeAt(0) < 128) mapped += char;
        else {
          const latin = CONFUSABLES[char];
          if (latin === undefined) return word;
          mapped += latin;
        }
      }
      if (/[a-z]/.test(word)) homoglyphs = true;
      return mapped;
    });
  }
  return { text: text.replace(/[^\S\n]+/g, ' '), zeroWidthInWords, tagText, homoglyphs };
}
