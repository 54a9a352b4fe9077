import type { DocumentType, Language, QueryKind } from '../dataset.ts';

/** A word list written compactly: items separated by `|`. */
export const list = (items: string): string[] => items.split('|').map((item) => item.trim());

const HAN_THEN_LATIN = /([\u3400-\u9fff])([A-Za-z0-9])/g;
const LATIN_THEN_HAN = /([A-Za-z0-9])([\u3400-\u9fff])/g;

/** A space between Chinese characters and Latin letters or digits, as Chinese style guides ask. */
export const spaceCjk = (text: string) =>
  text.replace(HAN_THEN_LATIN, '$1 $2').replace(LATIN_THEN_HAN, '$1 $2');

/** Replaces `{name}` placeholders; an unknown name is a bug in a template, so it throws. */
export function fill(template: string, values: Record<string, string | number>): string {
  const text = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template ${JSON.stringify(template)} lacks {${name}}`);
    return String(value);
  });
  return spaceCjk(text);
}

/** A query a document can answer, before documents have ids. */
export interface QueryCandidate {
  kind: QueryKind;
  query: string;
  /** Plain text (no markdown markup) found verbatim in the document. */
  passage: string;
  /**
   * Strings that all occur in every relevant document and together in no other: the proof that
   * the judgment is complete. The generator also checks each identifier the query names.
   */
  anchors: string[];
  /** Further relevant documents (e.g. two incidents on the same host). */
  also?: Array<{ document: DraftDocument; passage: string }>;
}

export interface Section {
  heading: string;
  blocks: string[];
  /** Dropped (last first) while the document is over the size limit. */
  optional?: boolean;
}

export interface DraftDocument {
  source: string;
  language: Language;
  type: DocumentType;
  title: string;
  metadata: Record<string, string | number | boolean>;
  content: string;
  candidates: QueryCandidate[];
}

export const bullets = (items: readonly string[]) => items.map((item) => `- ${item}`).join('\n');
export const numbered = (items: readonly string[]) => items.map((item, i) => `${i + 1}. ${item}`).join('\n');

export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Markdown of a title, a preamble and sections, at most `maxChars` long: optional sections go,
 * last first, until it fits. Throws if the required part alone is too long.
 */
export function render(title: string, preamble: string[], sections: Section[], maxChars: number): string {
  const kept = [...sections];
  const text = () =>
    `${[`# ${title}`, ...preamble, ...kept.flatMap((s) => [`## ${s.heading}`, ...s.blocks])].join('\n\n')}\n`;
  while (text().length > maxChars) {
    const index = kept.findLastIndex((s) => s.optional);
    if (index < 0)
      throw new Error(`"${title}" is ${text().length} characters even without optional sections`);
    kept.splice(index, 1);
  }
  return text();
}
