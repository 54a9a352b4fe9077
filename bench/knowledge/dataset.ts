import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The evaluation set's two files: documents (corpus.jsonl) and judged queries (queries.jsonl). */

export const LANGUAGES = ['en', 'zh'] as const;
export type Language = (typeof LANGUAGES)[number];

export const DOCUMENT_TYPES = ['sop', 'incident', 'policy'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export const QUERY_KINDS = ['identifier', 'keyword', 'paraphrase'] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

/** Metadata values the knowledge API accepts: flat strings, numbers and booleans. */
const MetadataSchema = z
  .object({ type: z.enum(DOCUMENT_TYPES) })
  .catchall(z.union([z.string().max(1024), z.number(), z.boolean()]));

export const CorpusDocumentSchema = z.strictObject({
  id: z.string().regex(/^doc-\d{4}$/),
  source: z.string().min(1),
  format: z.literal('markdown'),
  language: z.enum(LANGUAGES),
  content: z.string().min(300).max(3000),
  metadata: MetadataSchema,
});
export type CorpusDocument = z.infer<typeof CorpusDocumentSchema>;

export const JudgedPassageSchema = z.strictObject({
  document: z.string(),
  passage: z.string().min(10).max(200).describe("An exact substring of the document's content"),
});
export type JudgedPassage = z.infer<typeof JudgedPassageSchema>;

export const EvalQuerySchema = z.strictObject({
  id: z.string().regex(/^q-\d{3}$/),
  language: z.enum(LANGUAGES),
  kind: z.enum(QUERY_KINDS),
  query: z.string().min(3),
  relevant: z.array(JudgedPassageSchema).min(1),
});
export type EvalQuery = z.infer<typeof EvalQuerySchema>;

export const CORPUS_FILE = new URL('corpus.jsonl', import.meta.url);
export const QUERIES_FILE = new URL('queries.jsonl', import.meta.url);

/** Reads a JSON-lines file, validating every line; throws naming the first bad line. */
export function readJsonLines<T>(file: URL, schema: z.ZodType<T>): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new Error(`${file.pathname}:${index + 1}: not JSON`, { cause: error });
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new Error(`${file.pathname}:${index + 1}: ${parsed.error.message}`);
      return parsed.data;
    });
}

export const toJsonLines = (items: readonly unknown[]) =>
  `${items.map((item) => JSON.stringify(item)).join('\n')}\n`;
