import type { z } from 'zod';
import type { FieldError } from '../contracts/index.ts';
import { AppError } from './errors.ts';

/** RFC 6901 pointer of a zod issue path, under an optional prefix. */
export function toPointer(path: readonly PropertyKey[], prefix = ''): string {
  const escaped = path.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1'));
  return prefix + (escaped.length ? `/${escaped.join('/')}` : '');
}

export function fieldErrorsOf(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return {
        pointer: toPointer([...issue.path, issue.keys[0] ?? ''], prefix),
        detail: `unknown field(s): ${issue.keys.join(', ')}`,
      };
    }
    return { pointer: toPointer(issue.path, prefix), detail: issue.message };
  });
}

/** Parses untrusted input; on failure throws INVALID_REQUEST naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  prefix = '',
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fieldErrors = fieldErrorsOf(result.error, prefix);
  const first = fieldErrors[0];
  const summary = first ? `${first.pointer || '/'}: ${first.detail}` : 'invalid';
  return throwInvalid(`${what} is invalid (${summary})`, fieldErrors);
}

function throwInvalid(message: string, fieldErrors: FieldError[]): never {
  throw new AppError('INVALID_REQUEST', message, { fieldErrors });
}
