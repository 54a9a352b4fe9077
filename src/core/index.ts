export {
  abortableSleep,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_CAP_MS,
  fullJitterDelay,
  retryAfterMs,
} from './backoff.ts';
export { canonicalJson, contentHash, sha256Hex } from './canonical-json.ts';
export { type Clock, systemClock } from './clock.ts';
export {
  decodeCursor,
  encodeCursor,
  IdCursorSchema,
  NameCursorSchema,
  VersionCursorSchema,
} from './cursor.ts';
export {
  AppError,
  type AppErrorOptions,
  assertNever,
  conflict,
  denied,
  invalid,
  isAppError,
  notFound,
} from './errors.ts';
export { newestWithinTokens } from './history-budget.ts';
export { type IdGenerator, uuidv7Ids } from './ids.ts';
export { PACKAGE_ROOT } from './package-root.ts';
export {
  activeTraceIds,
  activeTraceparent,
  contextFromTraceparent,
  failSpan,
  inSpan,
  NO_TELEMETRY,
  type Telemetry,
} from './telemetry.ts';
export {
  isPlainObject,
  type MalformedReason,
  malformedMessage,
  type PathReference,
  type PathSegment,
  parsePathReference,
  parseTemplateParts,
  type ReferenceLookup,
  renderReferences,
  resolveReferences,
  stringsIn,
  type TemplateDialect,
  type TemplatePart,
  type WalkResult,
  walkPath,
} from './template-paths.ts';
export { fieldErrorsOf, parseOrThrow, toPointer } from './validation.ts';
