import { RunInputSchema } from '../contracts/index.ts';
import { AppError, canonicalJson, sha256Hex } from '../core/index.ts';
import type { TriggerInput, WebhookTriggerSpec } from './ports.ts';
import { isPlainObject, MappingError, type MappingScope, resolveMapping } from './template.ts';

/** Run idempotency keys are at most this long; a longer one is replaced by its hash. */
const MAX_KEY_LENGTH = 255;

/** Runs a trigger starts are created by this principal: `trigger:NAME`. */
export const triggerPrincipal = (name: string) => `trigger:${name}`;

/** Headers a mapping may read: every one but those carrying credentials. */
export function mappingHeaders(
  headers: Readonly<Record<string, string>>,
  authHeader: string,
): Record<string, string> {
  const hidden = new Set(['authorization', 'cookie', 'proxy-authorization', authHeader.toLowerCase()]);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !hidden.has(name.toLowerCase())));
}

/** A mapping problem as a 400 whose field error points into the payload. */
function invalidPayload(error: MappingError, what: string): AppError {
  const detail = `${what} ${error.message}`;
  return new AppError('INVALID_REQUEST', detail, {
    fieldErrors: [{ pointer: error.pointer ?? '', detail }],
  });
}

/**
 * The run idempotency key of a delivery: `trigger:NAME:<value of idempotency.from>` (the value's
 * SHA-256 when the key would be too long); undefined when the trigger names no idempotency.
 * Throws INVALID_REQUEST naming the reference when the payload lacks the value (or it is null or empty).
 */
export function idempotencyKeyOf(
  name: string,
  spec: Pick<WebhookTriggerSpec, 'idempotency'>,
  scope: MappingScope,
): string | undefined {
  if (!spec.idempotency) return undefined;
  let value: unknown;
  try {
    value = resolveMapping(spec.idempotency.from, scope);
  } catch (error) {
    if (error instanceof MappingError) throw invalidPayload(error, 'idempotency value');
    throw error;
  }
  if (value === null || value === '' || value === undefined) {
    const detail = `the idempotency value ${spec.idempotency.from} is empty`;
    throw new AppError('INVALID_REQUEST', detail, { fieldErrors: [{ pointer: '', detail }] });
  }
  const text = typeof value === 'string' ? value : canonicalJson(value);
  const key = `trigger:${name}:${text}`;
  return key.length <= MAX_KEY_LENGTH ? key : `trigger:${name}:sha256:${sha256Hex(text)}`;
}

/**
 * The run input of a delivery: `spec.input` with its references resolved, or the whole payload
 * when there is no mapping. Throws INVALID_REQUEST when a reference is missing or the result is
 * no run input (a string or a JSON object).
 */
export function runInputOf(spec: Pick<WebhookTriggerSpec, 'input'>, scope: MappingScope): TriggerInput {
  let input: unknown;
  if (spec.input === undefined) {
    if (!isPlainObject(scope.payload))
      throw new AppError(
        'INVALID_REQUEST',
        'the payload must be a JSON object to be the run input (or map it with spec.input)',
        { fieldErrors: [{ pointer: '', detail: 'must be a JSON object' }] },
      );
    input = scope.payload;
  } else {
    try {
      input = resolveMapping(spec.input, scope);
    } catch (error) {
      if (error instanceof MappingError) throw invalidPayload(error, 'input mapping:');
      throw error;
    }
  }
  const checked = RunInputSchema.safeParse(input);
  if (!checked.success)
    throw new AppError('INVALID_REQUEST', 'the mapped input is not a run input (a string or a JSON object)', {
      fieldErrors: [{ pointer: '', detail: checked.error.issues[0]?.message ?? 'not a run input' }],
    });
  return input as TriggerInput;
}
