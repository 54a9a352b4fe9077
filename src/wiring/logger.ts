import { type Logger, pino, stdSerializers } from 'pino';
import { PiiMasker } from '../guard/index.ts';

/**
 * The platform's logger: every message and every string in a log line passes the PII masker
 * (all built-in detectors) before it is written, errors included, so a tool failure that quotes
 * an e-mail address or a key does not leak it into log storage.
 */
export function createLogger(level: string): Logger {
  const masker = new PiiMasker({});
  const maskString = (text: string) => masker.maskText(text).text;
  return pino({
    level,
    base: { service: 'agenticai' },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((arg) => (typeof arg === 'string' ? maskString(arg) : arg));
        return method.apply(this, masked as Parameters<typeof method>);
      },
    },
    formatters: {
      log(object) {
        const plain: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(object)) {
          plain[key] = value instanceof Error ? { ...stdSerializers.err(value) } : value;
        }
        return masker.maskValue(plain) as Record<string, unknown>;
      },
    },
  });
}
