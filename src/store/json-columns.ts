import type { z } from 'zod';
import { AppError } from '../core/index.ts';

/** Validates a jsonb value on read (STYLE 9): a row that no longer matches its schema is a bug, said loudly. */
export function readJson<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError('INTERNAL', `stored ${where} does not match its schema`, { cause: parsed.error });
  }
  return parsed.data;
}

export const writeJson = (value: unknown): string => JSON.stringify(value);
