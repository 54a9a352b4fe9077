import { setImmediate as nextTurn } from 'node:timers/promises';
import { Parser } from 'htmlparser2';
import { getResolvedPDFJS } from 'unpdf';
import { DOCUMENT_EXTENSIONS, DOCUMENT_FORMATS, type DocumentFormat, parseJson } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';

/** A document's plain text (markdown for markdown and HTML, so heading chunking works). */
export interface ExtractedText {
  text: string;
  title?: string | undefined;
}

/** `{ format: 'name name' }` → `{ name: format }`: each format's file extensions or content types. */
function lookup(names: Record<DocumentFormat, string>): Map<string, DocumentFormat> {
  const table = new Map<string, DocumentFormat>();
  for (const format of DOCUMENT_FORMATS) for (const name of names[format].split(' ')) table.set(name, format);
  return table;
}

const BY_EXTENSION = new Map(
  Object.entries(DOCUMENT_EXTENSIONS).map(([extension, format]) => [extension.slice(1), format]),
);

const BY_CONTENT_TYPE = lookup({
  markdown: 'text/markdown text/x-markdown',
  text: 'text/plain',
  html: 'text/html application/xhtml+xml',
  json: 'application/json text/json',
  jsonl:
    'application/jsonl application/jsonlines application/x-jsonlines application/x-ndjson application/ndjson',
  pdf: 'application/pdf',
});

/**
 * The format of a document from its file name's extension (.md .markdown .txt .text .log .html .htm
 * .json .jsonl .ndjson .pdf, any case) or else its content type (parameters ignored; any `+json`
 * type is JSON). The extension wins because uploads often carry a generic type (`text/plain` for a
 * .md file). Returns undefined when neither is known.
 */
export function formatOf(
  name: string | undefined,
  contentType?: string | undefined,
): DocumentFormat | undefined {
  const base = name?.split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const byName = dot > 0 ? BY_EXTENSION.get(base.slice(dot + 1).toLowerCase()) : undefined;
  if (byName) return byName;
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return BY_CONTENT_TYPE.get(type) ?? (type.endsWith('+json') ? 'json' : undefined);
}

const unreadable = (message: string, format: DocumentFormat, cause?: unknown) =>
  new AppError('INVALID_REQUEST', message, {
    details: { format },
    ...(cause === undefined ? {} : { cause }),
  });

/** UTF-8 (BOM dropped), or UTF-16 when a BOM says so; CRLF and CR become LF. */
function decodeText(bytes: Uint8Array, format: DocumentFormat): string {
  const bom = bytes.length >= 2 ? (bytes[0] ?? 0) * 256 + (bytes[1] ?? 0) : 0;
  const encoding = bom === 0xfffe ? 'utf-16le' : bom === 0xfeff ? 'utf-16be' : 'utf-8';
  if (encoding === 'utf-8' && bytes.includes(0))
    throw unreadable(`binary content in a text document (${format}): it contains NUL bytes`, format);
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch (error) {
    throw unreadable(
      `binary content in a text document (${format}): it is not valid ${encoding}`,
      format,
      error,
    );
  }
  if (text.includes('\0'))
    throw unreadable(`binary content in a text document (${format}): it contains NUL characters`, format);
  return text.replace(/\r\n?/g, '\n');
}

function markdownTitle(text: string): string | undefined {
  return /^# +(.+?)(?: +#+)? *$/m.exec(text)?.[1]?.trim() || undefined;
}

// Elements whose content is never readable text: code, styling, navigation chrome, embedded media.
const SKIPPED = new Set('script style noscript template svg math nav head iframe object canvas'.split(' '));
/** Elements that end a line (1) or a paragraph (2). */
const BREAKS = new Map<string, number>([
  ...'br li dt dd tr caption figcaption summary option'.split(' ').map((name) => [name, 1] as const),
  ...'p div section article main header footer aside blockquote ul ol dl table form fieldset figure details address pre hr h1 h2 h3 h4 h5 h6'
    .split(' ')
    .map((name) => [name, 2] as const),
]);
const HEADING = /^h([1-6])$/;

/**
 * HTML to readable text: headings become markdown `#` lines, list items `- ` lines, table cells are
 * joined with ` | `, blocks are separated by blank lines and runs of whitespace collapse (except in
 * `<pre>`). Script, style, navigation, `hidden` and similar elements are dropped. Title: `<title>`.
 */
function htmlText(html: string): ExtractedText {
  const parts: string[] = [];
  let pendingBreak = 0;
  let pendingSpace = false;
  let atLineStart = true;
  let skipDepth = 0;
  let preDepth = 0;
  let headingLevel = 0;
  let inTitle = false;
  let title = '';
  let firstCell = true;

  const breakLine = (lines: number) => {
    if (lines === 0) return;
    if (headingLevel > 0) pendingSpace = true;
    else pendingBreak = Math.max(pendingBreak, lines);
  };
  /** Writes text; a `marker` ("## ", "- ") starts a line and wants no space after it. */
  const write = (raw: string, marker = false) => {
    if (parts.length > 0 && pendingBreak > 0) parts.push(pendingBreak > 1 ? '\n\n' : '\n');
    else if (pendingSpace && !atLineStart) parts.push(' ');
    pendingBreak = 0;
    pendingSpace = false;
    parts.push(raw);
    atLineStart = marker || raw.endsWith('\n');
  };

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'title') inTitle = true;
        // htmlparser2 closes void elements itself, so every open has its close.
        if (skipDepth > 0 || SKIPPED.has(name) || 'hidden' in attributes) {
          skipDepth++;
          return;
        }
        const level = Number(HEADING.exec(name)?.[1] ?? 0);
        if (level > 0 && headingLevel > 0) return;
        breakLine(BREAKS.get(name) ?? 0);
        if (level > 0) {
          write(`${'#'.repeat(level)} `, true);
          headingLevel = level;
        } else if (name === 'pre') preDepth++;
        else if (name === 'li') write('- ', true);
        else if (name === 'tr') firstCell = true;
        else if (name === 'td' || name === 'th') {
          if (!firstCell) write(' | ', true);
          firstCell = false;
        }
      },
      ontext(data) {
        if (inTitle) title += data;
        if (skipDepth > 0) return;
        if (preDepth > 0) return write(data);
        const collapsed = data.replace(/\s+/g, ' ');
        const core = collapsed.trim();
        if (collapsed.startsWith(' ')) pendingSpace = true;
        if (core === '') return;
        write(core);
        pendingSpace = collapsed.endsWith(' ');
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (skipDepth > 0) {
          skipDepth--;
          return;
        }
        const level = Number(HEADING.exec(name)?.[1] ?? 0);
        if (level > 0 && level !== headingLevel) return;
        if (level > 0) headingLevel = 0;
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
        breakLine(BREAKS.get(name) ?? 0);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  // Drop headings left empty (their content was skipped) and runs of blank lines.
  const text = parts
    .join('')
    .replace(/^#{1,6} *$/gm, '')
    .replace(/\n{3,}/g, '\n\n');
  return { text, title: title.replace(/\s+/g, ' ').trim() || undefined };
}

const BLANK = Symbol('blank line');
interface KeyPath {
  key: string;
  parent: KeyPath | undefined;
}

/** The last three keys of a path ("server.tls.cert"): readable, and constant-size however deep. */
function pathLabel(path: KeyPath | undefined): string {
  const keys: string[] = [];
  for (let at = path; at !== undefined && keys.length < 3; at = at.parent) keys.unshift(at.key);
  return keys.join('.');
}

/**
 * JSON as readable lines: each string, number and boolean as `key.path: value` (array indices
 * left out), records of an array separated by a blank line so chunking keeps them apart.
 * Iterative, so deep nesting cannot overflow the stack.
 */
function jsonLines(root: unknown, lines: string[]): void {
  const stack: { value: unknown; path: KeyPath | undefined }[] = [{ value: root, path: undefined }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path } = item;
    if (value === BLANK) {
      if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      const text = String(value).trim();
      if (text !== '') lines.push(path ? `${pathLabel(path)}: ${text}` : text);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        const element: unknown = value[i];
        stack.push({ value: element, path });
        if (i > 0 && typeof element === 'object' && element !== null) stack.push({ value: BLANK, path });
      }
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] ?? ['', null];
        stack.push({ value: child, path: { key, parent: path } });
      }
    }
  }
}

function jsonError(source: string, error: string, format: DocumentFormat, lineOffset?: number): AppError {
  const position = /at position (\d+)/.exec(error)?.[1];
  const line =
    lineOffset ?? (position === undefined ? undefined : source.slice(0, Number(position)).split('\n').length);
  return unreadable(`invalid JSON${line === undefined ? '' : ` at line ${line}`}: ${error}`, format);
}

function jsonText(source: string): ExtractedText {
  const parsed = parseJson(source);
  if (!parsed.ok) throw jsonError(source, parsed.error, 'json');
  const lines: string[] = [];
  jsonLines(parsed.value, lines);
  const value = parsed.value;
  const title =
    typeof value === 'object' && value !== null && !Array.isArray(value) && 'title' in value
      ? value.title
      : undefined;
  return { text: lines.join('\n'), title: typeof title === 'string' ? title.trim() || undefined : undefined };
}

function jsonlText(source: string): ExtractedText {
  const lines: string[] = [];
  source.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const parsed = parseJson(line);
    if (!parsed.ok) throw jsonError(line, parsed.error, 'jsonl', index + 1);
    if (lines.length > 0) lines.push('');
    jsonLines(parsed.value, lines);
  });
  return { text: lines.join('\n') };
}

/**
 * All pages' text through pdf.js (unpdf's dependency-free build; no eval, no font loading), pages
 * separated by a blank line. Aborting destroys the loading task, which stops pdf.js's work; the
 * event loop gets a turn between pages.
 */
async function pdfText(bytes: Uint8Array, signal: AbortSignal): Promise<ExtractedText> {
  const { getDocument } = await getResolvedPDFJS();
  signal.throwIfAborted();
  const task = getDocument({
    // A copy: pdf.js may take over (detach) the buffer it is given, and it rejects Node Buffers.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: true,
    verbosity: 0,
  });
  const stop = () => void task.destroy();
  signal.addEventListener('abort', stop, { once: true });
  try {
    const pdf = await task.promise;
    const pages: string[] = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      // pdf.js runs on this thread and settles through microtasks only: without a turn of the event
      // loop between pages a long PDF would starve the server (and the abort would never arrive).
      await nextTurn();
      signal.throwIfAborted();
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) if ('str' in item) text += item.hasEOL ? `${item.str}\n` : item.str;
      page.cleanup();
      pages.push(
        text
          .replace(/[^\S\n]+/g, ' ')
          .replace(/ ?\n ?/g, '\n')
          .trim(),
      );
    }
    const info: unknown = (await pdf.getMetadata()).info;
    const title =
      typeof info === 'object' && info !== null && 'Title' in info && typeof info.Title === 'string'
        ? info.Title.trim() || undefined
        : undefined;
    return { text: pages.filter(Boolean).join('\n\n'), title };
  } catch (error) {
    signal.throwIfAborted();
    const name = error instanceof Error ? error.name : '';
    const detail = error instanceof Error ? error.message : String(error);
    if (name === 'PasswordException') throw unreadable('encrypted PDF: it needs a password', 'pdf', error);
    throw unreadable(`broken PDF: ${detail}`, 'pdf', error);
  } finally {
    signal.removeEventListener('abort', stop);
    await task.destroy().catch(() => undefined);
  }
}

/**
 * The plain text of a document, and its title where the format has one (`<title>`, a markdown
 * `# ` heading, a JSON `title` field, PDF metadata). Markdown is returned as is; HTML becomes
 * markdown-ish text (see above); JSON and JSONL become `key: value` lines; PDF the text of every
 * page. Line ends are LF.
 *
 * Throws `INVALID_REQUEST` (an AppError; `details.format` names the format) whose message says why:
 * "empty document" (nothing but whitespace), "binary content in a text document (markdown): …"
 * (NUL bytes or invalid UTF-8 in a text format), "invalid JSON at line 3: …", "broken PDF: …",
 * "encrypted PDF: …". Rejects with the signal's reason once `signal` aborts.
 */
export async function extractText(
  bytes: Uint8Array,
  format: DocumentFormat,
  signal: AbortSignal,
): Promise<ExtractedText> {
  signal.throwIfAborted();
  let extracted: ExtractedText;
  if (format === 'pdf') extracted = await pdfText(bytes, signal);
  else {
    const source = decodeText(bytes, format);
    switch (format) {
      case 'markdown':
        extracted = { text: source, title: markdownTitle(source) };
        break;
      case 'text':
        extracted = { text: source };
        break;
      case 'html':
        extracted = htmlText(source);
        break;
      case 'json':
        extracted = jsonText(source);
        break;
      case 'jsonl':
        extracted = jsonlText(source);
        break;
      default:
        throw unreadable(`unknown document format ${String(format satisfies never)}`, format);
    }
  }
  signal.throwIfAborted();
  const text = extracted.text.trim();
  if (text === '')
    throw unreadable(
      format === 'pdf'
        ? 'empty document: the PDF has no text layer (scanned pages need OCR first)'
        : `empty document: the ${format} document has no text`,
      format,
    );
  return extracted.title ? { text, title: extracted.title } : { text };
}
