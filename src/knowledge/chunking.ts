import type { ChunkStrategy } from '../contracts/index.ts';
import { AppError, assertNever } from '../core/index.ts';
import { isDictionaryScript, segmentWindowed } from './segment.ts';

/** `size` and `overlap` count UTF-16 characters, not words: Chinese has no spaces to count. */
export interface ChunkOptions {
  strategy: ChunkStrategy;
  size: number;
  overlap: number;
}

/**
 * One chunk. Invariant: `text === input.slice(start, end)`; the text is trimmed and never empty.
 * `heading` is the path of markdown headings the chunk starts under ("Runbook > Containment").
 */
export interface TextChunk {
  index: number;
  text: string;
  start: number;
  end: number;
  heading?: string | undefined;
}

/** A chunk's most characters, and the most a character-level cut takes (room left for overlap). */
interface Limits {
  size: number;
  cut: number;
}

/** Spans are flat `[start0, end0, start1, end1, …]` lists: no object per piece on 10 MB inputs. */
type Spans = number[];

/**
 * Split levels, coarsest first, each tried only on pieces still longer than `size`: the separator,
 * and whether the matched text stays with the piece before it. After the last, characters.
 */
const SEPARATORS: readonly [RegExp, boolean][] = [
  [/\n[^\S\n]*\n\s*/g, false], // paragraphs
  [/\n\s*/g, false], // lines
  [/[.!?…]+["'”’)\]]*(?=\s)|[。！？]+["'”’」』）]*/g, true], // sentence ends
  [/[,;:]+(?=\s)|[，、；：]+/g, true], // clause punctuation
  [/\s+/g, false], // spaces
];
const PARAGRAPH = 0;
const CLAUSE = 3;
const CHARACTER = SEPARATORS.length;

/** The sentence window the ICU segmenter sees at once (see `segmentWindowed`). */
const SENTENCE_WINDOW = 2048;

const WIDE_SPACES = new Set([0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]);
const isSpace = (code: number) =>
  code === 32 ||
  (code >= 9 && code <= 13) ||
  (code > 127 && ((code >= 0x2000 && code <= 0x200a) || WIDE_SPACES.has(code)));

const isTerminator = (code: number) => code === 0x2e || code === 0x21 || code === 0x3f || code === 0x2026;
const isCjkTerminator = (code: number) => code === 0x3002 || code === 0xff01 || code === 0xff1f;
const isCjkPause = (code: number) => code === 0xff0c || code === 0x3001 || code === 0xff1b || code === 0xff1a;

/** Appends `[start, end)` with surrounding whitespace removed, unless nothing is left. */
function pushTrimmed(text: string, start: number, end: number, out: Spans): void {
  let from = start;
  let to = end;
  while (from < to && isSpace(text.charCodeAt(from))) from++;
  while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
  if (to > from) out.push(from, to);
}

/**
 * Cuts `[start, end)` into trimmed pieces of at most `size` characters, at the coarsest level that
 * makes them fit: paragraphs, lines, sentence ends, clause punctuation, spaces, then characters —
 * `cut` of them, so that a piece and the overlap before it still fit in a chunk.
 */
function splitSpan(
  text: string,
  start: number,
  end: number,
  limits: Limits,
  level: number,
  out: Spans,
): void {
  const { size, cut: hardCut } = limits;
  const before = out.length;
  pushTrimmed(text, start, end, out);
  if (out.length === before) return;
  const from = out[before] ?? start;
  const to = out[before + 1] ?? end;
  if (to - from <= size) return;
  out.length = before;
  if (level >= CHARACTER) {
    for (let cut = from; cut < to; ) {
      let next = Math.min(to, cut + hardCut);
      // Never separate a surrogate pair: end before it, or after it when the piece would be empty.
      const code = text.charCodeAt(next - 1);
      if (next < to && code >= 0xd800 && code <= 0xdbff) {
        if (next - cut > 1) next--;
        else if (size > 1) next++;
      }
      pushTrimmed(text, cut, next, out);
      cut = next;
    }
    return;
  }
  const [pattern, keepSeparator] = SEPARATORS[level] ?? [/$^/, false];
  const separator = new RegExp(pattern.source, 'g');
  // A slice bounds the regex's scan to this span (V8 shares the memory, it does not copy).
  const span = text.slice(from, to);
  let pieceStart = from;
  for (let match = separator.exec(span); match !== null; match = separator.exec(span)) {
    const matchEnd = from + match.index + match[0].length;
    splitSpan(text, pieceStart, keepSeparator ? matchEnd : from + match.index, limits, level + 1, out);
    pieceStart = matchEnd;
  }
  splitSpan(text, pieceStart, to, limits, level + 1, out);
}

/**
 * Where the next chunk starts so that it repeats the end of the previous one: the earliest point in
 * `[low, end)` that starts a sentence, if that keeps at least half the allowed overlap; otherwise
 * the earliest word start; otherwise, in text without spaces (Chinese), the first character at
 * `low`. Returns -1 when there is no such point: never cut an alphabetic word in two.
 */
function overlapBoundary(text: string, low: number, end: number): number {
  let lastSolid = 0;
  let sawSpace = false;
  let sawNewline = false;
  for (let back = low - 1; back >= 0; back--) {
    const code = text.charCodeAt(back);
    if (!isSpace(code)) {
      lastSolid = code;
      break;
    }
    sawSpace = true;
    if (code === 10) sawNewline = true;
  }
  let word = -1;
  let sentence = -1;
  let character = -1;
  for (let p = low; p < end; p++) {
    const code = text.charCodeAt(p);
    if (isSpace(code)) {
      sawSpace = true;
      if (code === 10) sawNewline = true;
      continue;
    }
    if (character < 0 && isDictionaryScript(text.codePointAt(p) ?? 0)) character = p;
    if (sawNewline || (sawSpace && isTerminator(lastSolid)) || isCjkTerminator(lastSolid)) {
      sentence = p;
      break;
    }
    if (word < 0 && (sawSpace || isCjkPause(lastSolid))) word = p;
    lastSolid = code;
    sawSpace = false;
    sawNewline = false;
  }
  if (sentence >= 0 && (word < 0 || (end - sentence) * 2 >= end - low)) return sentence;
  return word >= 0 ? word : character;
}

/** Picks where the next chunk starts, given the current chunk and the first atom still to place. */
type OverlapPicker = (low: number, chunkEnd: number, atoms: Spans, nextAtom: number) => number;

const boundaryOverlap =
  (text: string): OverlapPicker =>
  (low, chunkEnd) =>
    overlapBoundary(text, low, chunkEnd);

/** Whole atoms only (the sentence strategy): the earliest atom that starts at or after `low`. */
const wholeAtomOverlap: OverlapPicker = (low, _chunkEnd, atoms, nextAtom) => {
  let found = -1;
  for (let atom = nextAtom - 1; atom >= 0; atom--) {
    const atomStart = atoms[2 * atom] ?? 0;
    if (atomStart < low) break;
    found = atomStart;
  }
  return found;
};

/**
 * Packs consecutive atoms into chunks of at most `size` characters (separators included), each next
 * chunk starting `overlap` characters or fewer before the previous one's end. Always progresses.
 */
function pack(atoms: Spans, size: number, overlap: number, pickOverlap: OverlapPicker, out: Spans): void {
  const count = atoms.length / 2;
  let atom = 0;
  let start = atoms[0] ?? 0;
  while (atom < count) {
    let end = atoms[2 * atom + 1] ?? 0;
    atom++;
    while (atom < count && (atoms[2 * atom + 1] ?? 0) - start <= size) {
      end = atoms[2 * atom + 1] ?? 0;
      atom++;
    }
    out.push(start, end);
    if (atom >= count) return;
    const nextStart = atoms[2 * atom] ?? 0;
    const low = Math.max(end - overlap, (atoms[2 * atom + 1] ?? 0) - size, start + 1);
    const picked = overlap > 0 && low < end ? pickOverlap(low, end, atoms, atom) : -1;
    start = picked >= 0 ? picked : nextStart;
  }
}

interface Section {
  start: number;
  end: number;
  heading: string | undefined;
  /** A heading with no text of its own directly above a deeper heading. */
  bare: boolean;
}

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Markdown sections, one per ATX heading (`#`…`######`, not inside fenced code), each with the path
 * of headings above it; text before the first heading is a section without one.
 */
function markdownSections(text: string): Section[] {
  const headings: { start: number; level: number; path: string }[] = [];
  const stack: { level: number; title: string }[] = [];
  let fence = '';
  for (let lineStart = 0; lineStart < text.length; ) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline < 0 ? text.length : newline;
    let first = lineStart;
    while (first < lineEnd && first - lineStart < 4 && text.charCodeAt(first) === 32) first++;
    const code = text.charCodeAt(first);
    if (code === 0x60 || code === 0x7e || code === 0x23) {
      const line = text.slice(lineStart, lineEnd);
      const fenceMatch = FENCE.exec(line);
      if (fenceMatch) {
        const marker = fenceMatch[1] ?? '';
        if (fence === '') fence = marker;
        else if (marker[0] === fence[0] && marker.length >= fence.length) fence = '';
      } else if (fence === '') {
        const heading = ATX_HEADING.exec(line);
        if (heading) {
          const level = heading[1]?.length ?? 1;
          while (stack.length > 0 && (stack[stack.length - 1]?.level ?? 0) >= level) stack.pop();
          stack.push({ level, title: (heading[2] ?? '').trim() });
          const path = stack
            .map((entry) => entry.title)
            .filter(Boolean)
            .join(' > ');
          headings.push({ start: lineStart, level, path });
        }
      }
    }
    lineStart = lineEnd + 1;
  }
  const sections: Section[] = [];
  if ((headings[0]?.start ?? text.length) > 0)
    sections.push({ start: 0, end: headings[0]?.start ?? text.length, heading: undefined, bare: false });
  headings.forEach((heading, i) => {
    const next = headings[i + 1];
    const end = next?.start ?? text.length;
    const bodyStart = text.indexOf('\n', heading.start);
    const empty = bodyStart < 0 || bodyStart >= end || text.slice(bodyStart, end).trim() === '';
    const bare = empty && next !== undefined && next.level > heading.level;
    sections.push({ start: heading.start, end, heading: heading.path || undefined, bare });
  });
  return sections;
}

/** Whether the span at `at` is exactly one ATX heading line. */
function isHeadingLine(text: string, spans: Spans, at: number): boolean {
  const line = text.slice(spans[at] ?? 0, spans[at + 1] ?? 0);
  return !line.includes('\n') && ATX_HEADING.test(line);
}

/** The heading path each chunk starts under; chunk starts ascend, so one walk over the sections. */
function headingsAt(sections: readonly Section[], spans: Spans, out: (string | undefined)[]): void {
  let at = -1;
  for (let i = 0; i < spans.length; i += 2) {
    while ((sections[at + 1]?.start ?? Number.POSITIVE_INFINITY) <= (spans[i] ?? 0)) at++;
    out.push(sections[at]?.heading);
  }
}

const SENTENCE_SEGMENTER = new Intl.Segmenter('und', { granularity: 'sentence' });

/** A line break that continues the sentence: the next line is not a heading, list, quote or table. */
const SOFT_LINE_BREAK = /\n(?![ \t]*(?:[#>|`*+-]|\d+[.)]))/g;

/**
 * Sentence atoms from ICU (Latin ". ", Chinese "。！？"), long sentences cut further. ICU ends a
 * sentence at every line break, so paragraphs go to it with soft line breaks (hard-wrapped prose)
 * turned into spaces: one character for one, so offsets stay valid.
 */
function sentenceAtoms(text: string, limits: Limits): Spans {
  const atoms: Spans = [];
  const paragraphs = /\n[^\S\n]*\n/g;
  for (let start = 0; start < text.length; ) {
    const match = paragraphs.exec(text);
    const end = match ? match.index : text.length;
    const source = text.slice(start, end).replace(SOFT_LINE_BREAK, ' ');
    segmentWindowed(SENTENCE_SEGMENTER, source, 0, source.length, SENTENCE_WINDOW, (from, to) =>
      splitSpan(text, start + from, start + to, limits, CLAUSE, atoms),
    );
    start = match ? match.index + match[0].length : text.length;
  }
  return atoms;
}

function validate(options: ChunkOptions): void {
  const { size, overlap } = options;
  if (!Number.isInteger(size) || size < 1)
    throw new AppError('INVALID_REQUEST', 'chunk size must be a positive whole number of characters', {
      details: { size },
    });
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size)
    throw new AppError('INVALID_REQUEST', 'chunk overlap must be a whole number from 0 to below the size', {
      details: { size, overlap },
    });
}

/**
 * Cuts text into chunks of at most `options.size` characters, in order, deterministic.
 * - `recursive`: packs paragraphs, falling back to lines, sentence ends, clause punctuation, spaces
 *   and finally characters for pieces longer than `size`; each chunk repeats up to `overlap`
 *   characters of the previous one, starting on a sentence or word boundary where there is one.
 *   Chunks carry the markdown heading path they start under, when the text has headings.
 * - `markdown-headings`: one section per heading, with its heading path; sections longer than
 *   `size` are cut as `recursive` does, with overlap inside a section only.
 * - `sentence`: packs whole sentences (ICU sentence breaks, so Chinese "。！？" count); overlap
 *   repeats whole trailing sentences totalling at most `overlap` characters, or nothing.
 * Chunks are trimmed, never empty, and `chunk.text === text.slice(chunk.start, chunk.end)`.
 * Throws `INVALID_REQUEST` unless `size` is a positive integer and `0 <= overlap < size`.
 */
export function chunkText(text: string, options: ChunkOptions): TextChunk[] {
  validate(options);
  const { size, overlap, strategy } = options;
  const limits: Limits = { size, cut: Math.max(1, size - overlap) };
  const spans: Spans = [];
  const headings: (string | undefined)[] = [];
  const sections = text.includes('#') ? markdownSections(text) : [];
  switch (strategy) {
    case 'recursive': {
      const atoms: Spans = [];
      splitSpan(text, 0, text.length, limits, PARAGRAPH, atoms);
      pack(atoms, size, overlap, boundaryOverlap(text), spans);
      headingsAt(sections, spans, headings);
      break;
    }
    case 'markdown-headings': {
      // A bare heading lives on in its children's paths; alone it would be a useless chunk.
      const own = sections.filter((section) => !section.bare);
      const all = sections.length > 0 ? own : [{ start: 0, end: text.length, heading: undefined }];
      for (const section of all) {
        const atoms: Spans = [];
        splitSpan(text, section.start, section.end, limits, PARAGRAPH, atoms);
        const before = spans.length;
        pack(atoms, size, overlap, boundaryOverlap(text), spans);
        // A long section's heading line packed alone adds nothing: `heading` carries it.
        if (section.heading && spans.length - before > 2 && isHeadingLine(text, spans, before)) {
          spans.splice(before, 2);
        }
        for (let i = before; i < spans.length; i += 2) headings.push(section.heading);
      }
      break;
    }
    case 'sentence': {
      pack(sentenceAtoms(text, limits), size, overlap, wholeAtomOverlap, spans);
      headingsAt(sections, spans, headings);
      break;
    }
    default:
      assertNever(strategy);
  }
  const chunks: TextChunk[] = [];
  for (let i = 0; i < spans.length; i += 2) {
    const start = spans[i] ?? 0;
    const end = spans[i + 1] ?? 0;
    const heading = headings[i / 2];
    chunks.push({ index: i / 2, text: text.slice(start, end), start, end, ...(heading ? { heading } : {}) });
  }
  return chunks;
}
