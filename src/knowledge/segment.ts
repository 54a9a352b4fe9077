/**
 * Word segmentation for the sparse index, the lexical re-scorer and the hashing embedder.
 *
 * Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) go through
 * ICU's dictionary word breaker (`Intl.Segmenter`, granularity 'word'). Everything else goes through
 * a character scanner that follows the same UAX #29 rules ICU applies to alphabetic text (letters
 * and digits form words; `'` `’` `.` `:` `·` join letters, `.` `,` `;` `'` join digits; `_` joins
 * anything) because Node 20's `Intl.Segmenter` costs ≈2.5 µs per segment and turns quadratic on
 * long strings — far too slow for indexing. A test pins that both agree on alphabetic text.
 */

/** Tokens longer than this are dropped: they are blobs (base64, minified code), not words, and
 * would exceed Postgres's lexeme limit. */
export const MAX_TOKEN_LENGTH = 128;

/** ICU work stays linear: runs of dictionary-script text are segmented in windows of this size. */
const SEGMENTER_WINDOW = 256;

const OTHER = 0;
const LETTER = 1;
const DIGIT = 2;
/** Underscore (UAX #29 ExtendNumLet): continues a word whatever it started with. */
const EXTEND = 3;
const DICTIONARY = 4;
/** Combining marks: invisible to the word rules (UAX #29 WB4), they belong to the letter before. */
const MARK = 5;
type CharClass =
  | typeof OTHER
  | typeof LETTER
  | typeof DIGIT
  | typeof EXTEND
  | typeof DICTIONARY
  | typeof MARK;

const ASCII_CLASSES = (() => {
  const table = new Uint8Array(128);
  for (let code = 48; code <= 57; code++) table[code] = DIGIT;
  for (let code = 65; code <= 90; code++) table[code] = LETTER;
  for (let code = 97; code <= 122; code++) table[code] = LETTER;
  table[95] = EXTEND;
  return table;
})();

const LETTER_AT = /\p{L}/uy;
const DIGIT_AT = /\p{N}/uy;
const MARK_AT = /\p{M}/uy;
const NOT_WORD_CHARACTER = /[^\p{L}\p{M}\p{N}_]/gu;

/**
 * Whether a code point belongs to a script written without spaces, which ICU segments with a
 * dictionary (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar). Numeric ranges: far cheaper
 * than `\p{sc=…}`.
 */
export function isDictionaryScript(code: number): boolean {
  if (code < 0x0e01) return false;
  return (
    (code >= 0x4e00 && code <= 0x9fff) || // CJK Unified Ideographs
    (code >= 0x3040 && code <= 0x30ff) || // Hiragana, Katakana (incl. ー)
    (code >= 0x3400 && code <= 0x4dbf) || // CJK Extension A
    (code >= 0x3005 && code <= 0x3007) || // 々 〆 〇
    (code >= 0x31f0 && code <= 0x31ff) || // Katakana phonetic extensions
    (code >= 0xf900 && code <= 0xfaff) || // CJK Compatibility Ideographs
    (code >= 0x20000 && code <= 0x323af) || // CJK Extensions B–H
    (code >= 0x0e01 && code <= 0x0eff) || // Thai, Lao
    (code >= 0x1000 && code <= 0x109f) || // Myanmar
    (code >= 0x1780 && code <= 0x17ff) || // Khmer
    (code >= 0x19e0 && code <= 0x19ff) || // Khmer symbols
    (code >= 0xa9e0 && code <= 0xa9ff) || // Myanmar Extended-B
    (code >= 0xaa60 && code <= 0xaa7f) // Myanmar Extended-A
  );
}

function classAt(text: string, index: number, code: number): CharClass {
  if (code < 128) return (ASCII_CLASSES[code] ?? OTHER) as CharClass;
  if (isDictionaryScript(code)) return DICTIONARY;
  LETTER_AT.lastIndex = index;
  if (LETTER_AT.test(text)) return LETTER;
  DIGIT_AT.lastIndex = index;
  if (DIGIT_AT.test(text)) return DIGIT;
  MARK_AT.lastIndex = index;
  return MARK_AT.test(text) ? MARK : OTHER;
}

/** UAX #29 MidLetter / MidNumLet / Single_Quote: joins two letters ("it's", "e.g", "a·b"). */
const joinsLetters = (code: number) =>
  code === 0x27 || code === 0x2e || code === 0x3a || code === 0xb7 || code === 0x2018 || code === 0x2019;
/** UAX #29 MidNum / MidNumLet / Single_Quote: joins two digits ("3.14", "1,000"). */
const joinsDigits = (code: number) =>
  code === 0x27 || code === 0x2e || code === 0x2c || code === 0x3b || code === 0x2018 || code === 0x2019;

/** Receives what `scanWords` finds, in text order. */
export interface WordVisitor {
  /** A word of alphabetic text, already stripped to letters, marks, digits and underscores. */
  word(token: string): void;
  /** A run of dictionary-script text: `text.slice(start, end)`. */
  dictionaryRun(text: string, start: number, end: number): void;
}

/** NFKC, then lower case: what every token goes through, so queries and documents match. */
export function normalizeForWords(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/**
 * Scans already-normalised text (see `normalizeForWords`) in one linear pass, reporting alphabetic
 * words and dictionary-script runs. Allocates one string per word and nothing per character.
 */
export function scanWords(text: string, visitor: WordVisitor): void {
  const length = text.length;
  let index = 0;
  while (index < length) {
    let code = text.charCodeAt(index);
    let kind: CharClass;
    if (code < 128) {
      kind = (ASCII_CLASSES[code] ?? OTHER) as CharClass;
      if (kind === OTHER) {
        index++;
        continue;
      }
    } else {
      code = text.codePointAt(index) ?? 0;
      kind = classAt(text, index, code);
      // A mark here belongs to the space or symbol before it, not to a word.
      if (kind === OTHER || kind === MARK) {
        index += code > 0xffff ? 2 : 1;
        continue;
      }
    }
    const start = index;
    if (kind === DICTIONARY) {
      do {
        index += code > 0xffff ? 2 : 1;
        code = text.codePointAt(index) ?? 0;
      } while (index < length && isDictionaryScript(code));
      visitor.dictionaryRun(text, start, index);
      continue;
    }
    let joined = false;
    // The class of the last character that is not a mark: it decides what a joiner may join.
    let last = kind;
    for (;;) {
      index += code > 0xffff ? 2 : 1;
      if (index >= length) break;
      code = text.charCodeAt(index);
      if (code < 128) {
        kind = (ASCII_CLASSES[code] ?? OTHER) as CharClass;
      } else {
        code = text.codePointAt(index) ?? 0;
        kind = classAt(text, index, code);
      }
      if (kind === LETTER || kind === DIGIT) {
        last = kind;
        continue;
      }
      if (kind === EXTEND) last = kind;
      if (kind === EXTEND || kind === MARK) continue;
      if (kind !== OTHER || index + 1 >= length) break;
      const next = text.codePointAt(index + 1) ?? 0;
      const nextKind = classAt(text, index + 1, next);
      const joins =
        (last === LETTER && nextKind === LETTER && joinsLetters(code)) ||
        (last === DIGIT && nextKind === DIGIT && joinsDigits(code));
      if (!joins) break;
      joined = true;
    }
    if (index - start > MAX_TOKEN_LENGTH) continue;
    const raw = text.slice(start, index);
    visitor.word(joined ? raw.replace(NOT_WORD_CHARACTER, '') : raw);
  }
}

/**
 * Runs ICU's segmenter over `text.slice(start, end)` in windows of `window` characters, so the cost
 * stays linear (Node 20's `Intl.Segmenter` turns quadratic on long strings). Each window keeps all
 * but its last segment, which the window edge may have cut, and the next window starts there; a
 * segment longer than a window is split at the window edge. Reports absolute offsets, in order.
 */
export function segmentWindowed(
  segmenter: Intl.Segmenter,
  text: string,
  start: number,
  end: number,
  window: number,
  onSegment: (start: number, end: number, isWordLike: boolean) => void,
): void {
  let from = start;
  while (from < end) {
    const to = Math.min(end, from + window);
    let pendingStart = -1;
    let pendingEnd = -1;
    let pendingWordLike = false;
    for (const segment of segmenter.segment(text.slice(from, to))) {
      if (pendingStart >= 0) onSegment(pendingStart, pendingEnd, pendingWordLike);
      pendingStart = from + segment.index;
      pendingEnd = pendingStart + segment.segment.length;
      pendingWordLike = segment.isWordLike === true;
    }
    if (to === end || pendingStart <= from) {
      if (pendingStart >= 0) onSegment(pendingStart, pendingEnd, pendingWordLike);
      from = to;
    } else {
      from = pendingStart;
    }
  }
}

const WORD_SEGMENTER = new Intl.Segmenter('und', { granularity: 'word' });

/**
 * Lower-cased, NFKC-normalised word tokens in text order, duplicates kept. Tokens hold only letters,
 * combining marks, digits and `_` (joiners such as the apostrophe in "it's" are stripped: "its"), so
 * each is safe as a tsquery lexeme. Chinese, Japanese, Thai, Lao, Khmer and Myanmar are split into
 * dictionary words by ICU ("数据库连接失败" → "数据", "库", "连接", "失败"), not at spaces. Tokens
 * longer than `MAX_TOKEN_LENGTH` are dropped. Pure and deterministic.
 */
export function segmentWords(text: string): string[] {
  const tokens: string[] = [];
  const push = (token: string) => {
    if (token.length > MAX_TOKEN_LENGTH) return;
    const clean = token.replace(NOT_WORD_CHARACTER, '');
    if (clean.length > 0) tokens.push(clean);
  };
  scanWords(normalizeForWords(text), {
    word: (token) => tokens.push(token),
    dictionaryRun: (normalized, start, end) =>
      segmentWindowed(WORD_SEGMENTER, normalized, start, end, SEGMENTER_WINDOW, (from, to, isWordLike) => {
        if (isWordLike) push(normalized.slice(from, to));
      }),
  });
  return tokens;
}
