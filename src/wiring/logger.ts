import { type Logger, pino, stdSerializers } from 'pino';
import { PiiMasker } from '../guard/index.ts';

/**
 * The platform's logger: every message, field and error passes the PII masker (all built-in
 * detectors) before it is written, and so does the one child binding a client chooses
 * (`requestId`, from X-Request-Id): a tool failure quoting an e-mail address or a key does not
 * leak it into log storage.
 */
export function createLogger(level: string): Logger {
  const masker = new PiiMasker({});
  const maskString = (text: string) => masker.maskText(text).text;
  const maskObject = (value: object) => masker.maskValue(value) as Record<string, unknown>;
  return pino({
    level,
    base: { service: 'agenticai' },
    serializers: {
      err: (error: Error) => maskObject({ ...stdSerializers.err(error) }),
      // Child bindings skip the formatters; the one a client chooses (X-Request-Id) is masked here.
      requestId: (value: unknown) => (typeof value === 'string' ? maskString(value) : value),
    },
    hooks: {
      logMethod(args, method) {
        // pino takes the message of a lone Error itself: hand it over as a masked `err` field.
        const first: unknown = args[0];
        const normalised =
          first instanceof Error
            ? [{ err: first }, typeof args[1] === 'string' ? args[1] : first.message, ...args.slice(2)]
            : args;
        const masked = normalised.map((arg) => (typeof arg === 'string' ? maskString(arg) : arg));
        return method.apply(this, masked as Parameters<typeof method>);
      },
    },
    formatters: {
      log: (object) => maskObject(object),
    },
  });
}
