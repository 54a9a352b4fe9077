import { z } from 'zod';
import { parseJson } from '../contracts/index.ts';
import { AppError } from './errors.ts';

/** Opaque page cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<S extends z.ZodType>(
  cursor: string | undefined,
  schema: S,
): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  const json = parseJson(Buffer.from(cursor, 'base64url').toString('utf8'));
  const parsed = json.ok ? schema.safeParse(json.value) : undefined;
  if (!parsed?.success) {
    throw new AppError('INVALID_REQUEST', 'cursor is not one this server issued', {
      fieldErrors: [{ pointer: '/cursor', detail: 'invalid cursor' }],
    });
  }
  return parsed.data;
}

export const NameCursorSchema = z.strictObject({ name: z.string() });
export const IdCursorSchema = z.strictObject({ id: z.string() });
export const VersionCursorSchema = z.strictObject({ version: z.number().int() });
