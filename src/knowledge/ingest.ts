import { createHash } from 'node:crypto';
import type { DocumentFormat, KnowledgeBaseSpec } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';
import { chunkText } from './chunking.ts';
import type { EmbedTexts } from './embedders.ts';
import { extractText, formatOf } from './extract.ts';
import type { ChunkDraft, DocumentWrite, QueuedDocument } from './ports.ts';
import { segmentWords } from './segment.ts';

/** Chunks embedded per call of the embedder. */
const EMBED_BATCH = 256;

/** The bytes of a queued document: its text as UTF-8, or its base64 decoded. */
export function bytesOf(document: Pick<QueuedDocument, 'content' | 'contentBase64'>): Uint8Array {
  if (document.content !== undefined) return new TextEncoder().encode(document.content);
  return Buffer.from(document.contentBase64 ?? '', 'base64');
}

/** SHA-256 of the bytes, hex: equal bytes, equal hash, whatever the upload carried them in. */
export function hashOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A format from the document's own, else its source's extension, else plain text. */
export function resolveFormat(format: string | undefined, source: string | null): DocumentFormat {
  if (format) return format as DocumentFormat;
  return formatOf(source ?? undefined) ?? 'text';
}

/**
 * Extracts, chunks, segments and embeds one document. Throws an `invalid` AppError for a document
 * that cannot be read (empty, binary, broken PDF): it fails alone. Anything else it throws
 * (an embedding model down) is worth retrying.
 */
export async function prepareDocument(
  document: QueuedDocument,
  bytes: Uint8Array,
  contentHash: string,
  spec: KnowledgeBaseSpec,
  embed: EmbedTexts,
  signal: AbortSignal,
): Promise<{ write: DocumentWrite; chunks: ChunkDraft[] }> {
  const format = resolveFormat(document.format, document.source);
  let extracted: { text: string; title?: string | undefined };
  try {
    extracted = await extractText(bytes, format, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    if (error instanceof AppError) throw error;
    throw new AppError('INVALID_REQUEST', error instanceof Error ? error.message : String(error));
  }
  const pieces = chunkText(extracted.text, spec.chunking);
  if (pieces.length === 0) throw new AppError('INVALID_REQUEST', 'the document holds no text');
  const vectors: number[][] = [];
  for (let at = 0; at < pieces.length; at += EMBED_BATCH) {
    signal.throwIfAborted();
    const batch = pieces
      .slice(at, at + EMBED_BATCH)
      .map((piece) => (piece.heading ? `${piece.heading}\n${piece.text}` : piece.text));
    vectors.push(...(await embed(batch, signal)));
  }
  const chunks = pieces.map((piece, ord) => ({
    ord,
    text: piece.text,
    heading: piece.heading ?? null,
    start: piece.start,
    end: piece.end,
    tokens: segmentWords(piece.heading ? `${piece.heading}\n${piece.text}` : piece.text).join(' '),
    embedding: vectors[ord] ?? [],
  }));
  return {
    write: {
      key: document.key,
      source: document.source,
      format,
      title: extracted.title ?? null,
      contentHash,
      metadata: document.metadata,
      accessGroup: document.accessGroup,
      sensitivity: document.sensitivity,
    },
    chunks,
  };
}
