import { type IdGenerator, uuidv7Ids } from '../../core/index.ts';
import {
  assertValidActual,
  assertValidReserve,
  type BudgetLedger,
  type BudgetLine,
  type BudgetUsage,
  ledgerTimings,
  type Reservation,
  type ReserveResult,
} from './budget-ledger.ts';

export interface MemoryBudgetLedgerOptions {
  /** Epoch milliseconds; a number rather than core's `Clock` so the hot path allocates no Date. */
  now?: () => number;
  ids?: IdGenerator;
  /** How long an unsettled reservation holds its amount (and a late settle is remembered). */
  reservationTtlMs?: number;
  /** How long after its resetAt a line is kept. */
  windowGraceMs?: number;
  /**
   * When more lines than this exist, the next new line first sweeps out expired ones; the
   * threshold then doubles past what survived, so sweeps stay O(1) amortised. Default 10,000.
   */
  sweepThreshold?: number;
}

interface Line {
  spent: number;
  reserved: number;
  expiresAt: number;
}

/** `held` until settled, released or expired; `settled_late` remembers a settle that came after expiry. */
const RECORD_STATES = ['held', 'settled_late'] as const;
type RecordState = (typeof RECORD_STATES)[number];

interface ReservationRecord {
  state: RecordState;
  amount: number;
  /** The line objects the amount was added to. A line that expired and was replaced since keeps the old object, which no longer counts. */
  lines: Line[];
  expiresAt: number;
}

/**
 * Budgets in this process: for the single-process setup. Every operation runs synchronously
 * between awaits, so it is atomic with respect to every other caller in the process.
 *
 * Open reservations sit in one map in expiry order (each lives one ttl from its insertion, on a
 * clock that only advances), so dropping expired ones looks only at the front: O(1) amortised.
 */
export class MemoryBudgetLedger implements BudgetLedger {
  readonly #lines = new Map<string, Line>();
  readonly #records = new Map<string, ReservationRecord>();
  /** No record expires before this; lets most calls skip looking at the records at all. */
  #nextExpiry = Number.POSITIVE_INFINITY;
  readonly #now: () => number;
  readonly #ids: IdGenerator;
  readonly #ttlMs: number;
  readonly #graceMs: number;
  readonly #baseThreshold: number;
  #sweepAt: number;

  constructor(options: MemoryBudgetLedgerOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#ids = options.ids ?? uuidv7Ids;
    const timings = ledgerTimings(options);
    this.#ttlMs = timings.ttlMs;
    this.#graceMs = timings.graceMs;
    this.#baseThreshold = options.sweepThreshold ?? 10_000;
    this.#sweepAt = this.#baseThreshold;
  }

  /** Lines and reservation records held (expired lines may linger until the next sweep). */
  get size(): { lines: number; reservations: number } {
    return { lines: this.#lines.size, reservations: this.#records.size };
  }

  async reserve(lines: readonly BudgetLine[], amount: number, signal?: AbortSignal): Promise<ReserveResult> {
    signal?.throwIfAborted();
    assertValidReserve(lines, amount);
    const now = this.#now();
    this.#dropExpired(now);
    for (const line of lines) {
      const state = this.#liveLine(line.key, now);
      const used = state === undefined ? 0 : state.spent + state.reserved;
      if (used + amount > line.limit) {
        return { ok: false, line: line.key, limit: line.limit, used, resetAt: line.resetAt };
      }
    }
    const id = this.#ids.next();
    const expiresAt = now + this.#ttlMs;
    const held: Line[] = [];
    for (const line of lines) {
      const state = this.#lineForWrite(line, now);
      state.reserved += amount;
      held.push(state);
    }
    this.#remember(id, { state: 'held', amount, lines: held, expiresAt });
    return { ok: true, reservation: { id, amount, lines: [...lines], expiresAt } };
  }

  async settle(reservation: Reservation, actual: number, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    assertValidActual(actual);
    const now = this.#now();
    this.#dropExpired(now);
    const record = this.#records.get(reservation.id);
    if (record?.state === 'settled_late') return false;
    // Off the record before its expiry: already settled or released.
    if (record === undefined && now < reservation.expiresAt) return false;
    if (record !== undefined) this.#unhold(reservation.id, record);
    for (const line of reservation.lines) this.#lineForWrite(line, now).spent += actual;
    // Off the record after its expiry: it expired unsettled, and the call still happened.
    if (record === undefined) {
      this.#remember(reservation.id, {
        state: 'settled_late',
        amount: 0,
        lines: [],
        expiresAt: now + this.#ttlMs,
      });
    }
    return true;
  }

  async release(reservation: Reservation, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    this.#dropExpired(this.#now());
    const record = this.#records.get(reservation.id);
    if (record?.state !== 'held') return false;
    this.#unhold(reservation.id, record);
    return true;
  }

  async usage(key: string, signal?: AbortSignal): Promise<BudgetUsage> {
    signal?.throwIfAborted();
    const now = this.#now();
    this.#dropExpired(now);
    const state = this.#liveLine(key, now);
    return state === undefined ? { spent: 0, reserved: 0 } : { spent: state.spent, reserved: state.reserved };
  }

  async close(): Promise<void> {
    this.#lines.clear();
    this.#records.clear();
  }

  #remember(id: string, record: ReservationRecord): void {
    this.#records.set(id, record);
    if (record.expiresAt < this.#nextExpiry) this.#nextExpiry = record.expiresAt;
  }

  #unhold(id: string, record: ReservationRecord): void {
    for (const line of record.lines) line.reserved -= record.amount;
    this.#records.delete(id);
  }

  /** Frees the amounts of reservations past their expiry and forgets late settles past theirs. */
  #dropExpired(now: number): void {
    if (now < this.#nextExpiry) return;
    this.#nextExpiry = Number.POSITIVE_INFINITY;
    for (const [id, record] of this.#records) {
      if (record.expiresAt > now) {
        this.#nextExpiry = record.expiresAt;
        break;
      }
      this.#unhold(id, record);
    }
  }

  /** The line if its window is still kept; undefined otherwise. */
  #liveLine(key: string, now: number): Line | undefined {
    const line = this.#lines.get(key);
    if (line === undefined || line.expiresAt > now) return line;
    this.#lines.delete(key);
    return undefined;
  }

  #lineForWrite(line: BudgetLine, now: number): Line {
    const expiresAt = line.resetAt + this.#graceMs;
    const existing = this.#liveLine(line.key, now);
    if (existing !== undefined) {
      if (expiresAt > existing.expiresAt) existing.expiresAt = expiresAt;
      return existing;
    }
    if (this.#lines.size >= this.#sweepAt) this.#sweepLines(now);
    // A window already past its grace gets a line that is expired on arrival, as Redis drops a key
    // given an expiry in the past: spend settled after the window is gone goes with it.
    const created: Line = { spent: 0, reserved: 0, expiresAt };
    this.#lines.set(line.key, created);
    return created;
  }

  #sweepLines(now: number): void {
    for (const [key, line] of this.#lines) {
      if (line.expiresAt <= now) this.#lines.delete(key);
    }
    this.#sweepAt = Math.max(this.#baseThreshold, this.#lines.size * 2);
  }
}
