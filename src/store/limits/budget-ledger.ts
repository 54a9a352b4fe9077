import { invalid } from '../../core/index.ts';

/**
 * One budget a call must fit: the key names the budget and its window (`tenant:T:day:2026-11-25`),
 * so a new window is a new key and the old one expires. Units are integers (tokens, micro-USD).
 */
export interface BudgetLine {
  key: string;
  /** The most `spent + reserved` may reach; a non-negative safe integer. */
  limit: number;
  /**
   * Epoch ms when the window ends. The line's keys expire a grace period after it. Infinity for a
   * window that never ends (a run's total): its keys never expire.
   */
  resetAt: number;
}

/** What `reserve` holds until `settle` or `release`. Pass it back unchanged. */
export interface Reservation {
  id: string;
  amount: number;
  lines: readonly BudgetLine[];
  /**
   * Epoch ms (the store's clock) after which the held amount is dropped if never settled; also
   * how settle and release tell a finished reservation from an expired one.
   */
  expiresAt: number;
}

export type ReserveResult =
  | { ok: true; reservation: Reservation }
  | {
      ok: false;
      /** The key of the first line, in the order given, that the amount would overflow. */
      line: string;
      limit: number;
      /** spent + reserved of that line before this call. */
      used: number;
      resetAt: number;
    };

export interface BudgetUsage {
  spent: number;
  /** Held by reservations neither settled, released nor expired. */
  reserved: number;
}

/**
 * Nested budgets (tenant → principal → agent → run; daily and monthly windows) that a model call
 * reserves before it runs and settles after. Every operation is atomic across all its lines and
 * every process sharing the adapter's store, so concurrent callers never overshoot a limit with
 * their reservations.
 *
 * Invariants:
 * - `reserve` either adds `amount` to the reserved total of every line (when, for each line,
 *   spent + reserved + amount <= limit) or changes nothing.
 * - `settle` moves a reservation from reserved to spent with the actual amount. Spent passes a
 *   limit only by what callers under-estimated: reserve an upper bound (max output tokens).
 * - A reservation neither settled nor released (its caller crashed) stops counting once it
 *   expires (`reservationTtlMs` of the adapter, default 10 minutes), so it cannot block a budget
 *   forever. Its amount is then free for others, so a call that outlives the ttl can push spent
 *   past a limit: choose a ttl longer than the slowest call.
 * - `settle` and `release` are idempotent: each reservation is settled or released at most once,
 *   and a repeat returns false. A repeat is recognised until the reservation's `expiresAt`
 *   without keeping anything for a finished reservation: an open one is always on record until
 *   then, so a reservation off the record before `expiresAt` has been finished.
 * - A settle after `expiresAt` of a reservation never finished (the call outlived its
 *   reservation) still records the spend, since the call did happen and under-counting money is
 *   the worse failure; it is remembered for another `reservationTtlMs` so its repeats count once.
 *   So a repeat of an on-time settle, or a settle of a released reservation, that arrives after
 *   `expiresAt` is counted: retry a settle promptly, and never settle what was released.
 *
 * Throws `INVALID_REQUEST` for no lines, duplicate keys, an amount that is not a positive safe
 * integer (actual: non-negative), a limit that is not a non-negative safe integer or a resetAt
 * that is neither finite nor Infinity.
 */
export interface BudgetLedger {
  reserve(lines: readonly BudgetLine[], amount: number, signal?: AbortSignal): Promise<ReserveResult>;
  /** Returns true if this call recorded the spend, false if the reservation was already finished. */
  settle(reservation: Reservation, actual: number, signal?: AbortSignal): Promise<boolean>;
  /** The call never happened. Returns true if this call freed the amount, false if nothing was held. */
  release(reservation: Reservation, signal?: AbortSignal): Promise<boolean>;
  /** The line's current totals; zeros for a line never used or whose window has expired. */
  usage(key: string, signal?: AbortSignal): Promise<BudgetUsage>;
  close(): Promise<void>;
}

export const DEFAULT_RESERVATION_TTL_MS = 10 * 60_000;
/** Long enough to read a finished window's totals for a while; the store of record is elsewhere. */
export const DEFAULT_WINDOW_GRACE_MS = 60 * 60_000;

/** The adapters' time settings with defaults applied; throws `INVALID_REQUEST` unless both are positive. */
export function ledgerTimings(options: { reservationTtlMs?: number; windowGraceMs?: number }): {
  ttlMs: number;
  graceMs: number;
} {
  const ttlMs = Math.ceil(options.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS);
  const graceMs = Math.ceil(options.windowGraceMs ?? DEFAULT_WINDOW_GRACE_MS);
  if (!(ttlMs > 0 && Number.isSafeInteger(ttlMs)))
    throw invalid(`reservationTtlMs must be positive, got ${ttlMs}`);
  if (!(graceMs >= 0 && Number.isSafeInteger(graceMs)))
    throw invalid(`windowGraceMs must be >= 0, got ${graceMs}`);
  return { ttlMs, graceMs };
}

const isCount = (value: number, min: number) => Number.isSafeInteger(value) && value >= min;

export function assertValidReserve(lines: readonly BudgetLine[], amount: number): void {
  if (lines.length === 0) throw invalid('a budget reservation needs at least one line');
  if (!isCount(amount, 1)) throw invalid(`a budget amount must be a positive safe integer, got ${amount}`);
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as BudgetLine;
    if (!line.key) throw invalid('a budget line needs a key');
    if (!isCount(line.limit, 0)) {
      throw invalid(`budget line ${line.key}: limit must be a non-negative safe integer, got ${line.limit}`);
    }
    if (!(Number.isFinite(line.resetAt) || line.resetAt === Number.POSITIVE_INFINITY)) {
      throw invalid(`budget line ${line.key}: resetAt must be epoch ms or Infinity, got ${line.resetAt}`);
    }
    for (let earlier = 0; earlier < index; earlier += 1) {
      if (lines[earlier]?.key === line.key) throw invalid(`budget line ${line.key} appears twice`);
    }
  }
}

export function assertValidActual(actual: number): void {
  if (!isCount(actual, 0))
    throw invalid(`a settled amount must be a non-negative safe integer, got ${actual}`);
}
