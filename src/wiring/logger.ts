import { createRequire } from 'node:module';
import { context as otel, trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, type LoggerOptions, pino, stdSerializers } from 'pino';
import { PiiMasker } from '../guard/index.ts';

/**
 * The trace and run a log line belongs to, from the active span: `trace_id` and `span_id`, and
 * `run_id` / `tenant_id` when the line is written inside a run's span (or a call that names them).
 */
function traceFields(): Record<string, unknown> {
  const span = trace.getSpan(otel.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  const attributes = (span as { attributes?: Record<string, unknown> }).attributes ?? {};
  const runId = attributes['run.id'];
  const tenantId = attributes['tenant.id'];
  return {
    trace_id: traceId,
    span_id: spanId,
    ...(typeof runId === 'string' ? { run_id: runId } : {}),
    ...(typeof tenantId === 'string' ? { tenant_id: tenantId } : {}),
  };
}

/** pino-pretty for people at a terminal (`auto`: when stdout is one); JSON lines otherwise. */
function destination(pretty: 'auto' | 'true' | 'false'): DestinationStream | undefined {
  const wanted = pretty === 'true' || (pretty === 'auto' && process.stdout.isTTY === true);
  if (!wanted) return undefined;
  const prettyFactory = createRequire(import.meta.url)('pino-pretty') as (
    options: object,
  ) => DestinationStream;
  return prettyFactory({
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    sync: true,
  });
}

/**
 * The platform's logger: every message, field and error passes the PII masker (all built-in
 * detectors) before it is written, and so does the one child binding a client chooses
 * (`requestId`, from X-Request-Id): a tool failure quoting an e-mail address or a key does not
 * leak it into log storage.
 */
export function createLogger(
  level: string,
  pretty: 'auto' | 'true' | 'false' = 'false',
  /** Where lines go instead of stdout (tests read them). */
  output?: DestinationStream,
): Logger {
  const masker = new PiiMasker({});
  const maskString = (text: string) => masker.maskText(text).text;
  const maskObject = (value: object) => masker.maskValue(value) as Record<string, unknown>;
  const options: LoggerOptions<never> = {
    level,
    base: { service: 'agenticai' },
    mixin: traceFields,
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
  };
  const stream = output ?? destination(pretty);
  return stream ? pino(options, stream) : pino(options);
}
