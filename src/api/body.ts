import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseJson } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'] as const;

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function malformed(message: string, pointer = ''): AppError {
  return new AppError('MALFORMED_BODY', message, { fieldErrors: [{ pointer, detail: message }] });
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw malformed('the request body is empty; send a JSON document');
  const parsed = parseJson(text);
  if (!parsed.ok) throw malformed(`the request body is not valid JSON: ${parsed.error}`);
  return parsed.value;
}

/** Multi-document YAML → the documents, skipping empty ones. Errors name the line and column. */
export function parseYamlDocuments(text: string): unknown[] {
  const documents = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const items: unknown[] = [];
  for (const [index, document] of (Array.isArray(documents) ? documents : [documents]).entries()) {
    const error = document.errors[0];
    if (error) {
      const [line, column] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [0, 0];
      throw malformed(
        `YAML document ${index + 1} is malformed at line ${line}, column ${column}: ${error.message.split('\n')[0]}`,
        `/items/${index}`,
      );
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // Excessive aliases (a "billion laughs" document) and other resolution errors.
      throw malformed(
        `YAML document ${index + 1} cannot be read: ${(error as Error).message}`,
        `/items/${index}`,
      );
    }
    if (value !== null && value !== undefined) items.push(value);
  }
  if (items.length === 0) throw malformed('the YAML holds no documents');
  return items;
}

/** Every YAML document of every `.yaml` / `.yml` file in a folder, in file-name order. */
export function readManifestDir(dir: string): unknown[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .flatMap((file) => parseYamlDocuments(readFileSync(join(dir, file), 'utf8')));
}
