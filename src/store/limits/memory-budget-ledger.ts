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

interface Hold {
  amount: number;
  expiresAt: number;
}

interface Line {
  spent: number;
  reserved: number;
  /** In insertion order, which is expiry order: every hold lives the same ttl from a clock that only advances. */
  holds: Map<string, Hold>;
  expiresAt: number;
}

/** `held` until settled, released or expired; `settled_late` remembers a settle that came after expiry. */
const RECORD_STATES = ['held', 'settled_late'] as const;
type RecordState = (typeof RECORD_STATES)[number];

interface ReservationRecord {
  state: RecordState;
  expiresAt: number;
}

/**
 * Budgets in this process: for the single-process setup. Every operation runs synchronously
 * between awaits, so it is atomic with respect to every other caller in the process.
 */
export class MemoryBudgetLedger implements BudgetLedger {
  readonly #lines = new Map<string, Line>();
  /** Open reservations and late settles, in expiry order (all live one ttl from their insertion), so expired ones sit at the front. */
  readonly #records = new Map<string, ReservationRecord>();
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

  /** Lines and reservation records held (expired ones may linger until the next sweep). */
  get size(): { lines: number; reservations: number } {
    return { lines: this.#lines.size, reservations: this.#records.size };
  }

  async reserve(lines: readonly BudgetLine[], amount: number, signal?: AbortSignal): Promise<ReserveResult> {
    signal?.throwIfAborted();
    assertValidReserve(lines, amount);
    const now = this.#now();
    this.#dropExpiredRecords(now);
    for (const line of lines) {
      const state = this.#liveLine(line.key, now);
      const used = state === undefined ? 0 : state.spent + state.reserved;
      if (used + amount > line.limit) {
        return { ok: false, line: line.key, limit: line.limit, used, resetAt: line.resetAt };
      }
    }
    const id = this.#ids.next();
    const hold: Hold = { amount, expiresAt: now + this.#ttlMs };
    for (const line of lines) {
      const state = this.#lineForWrite(line, now);
      state.reserved += amount;
      state.holds.set(id, hold);
    }
    this.#records.set(id, { state: 'held', expiresAt: hold.expiresAt });
    return { ok: true, reservation: { id, amount, lines: [...lines], expiresAt: hold.expiresAt } };
  }

  async settle(reservation: Reservation, actual: number, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    assertValidActual(actual);
    const now = this.#now();
    this.#dropExpiredRecords(now);
    const record = this.#records.get(reservation.id);
    if (record?.state === 'settled_late') return false;
    // Off the record before its expiry: already settled or released.
    if (record === undefined && now < reservation.expiresAt) return false;
    for (const line of reservation.lines) {
      const state = this.#lineForWrite(line, now);
      dropHold(state, reservation.id);
      state.spent += actual;
    }
    this.#records.delete(reservation.id);
    // Off the record after its expiry: it expired unsettled, and the call still happened.
    if (record === undefined)
      this.#records.set(reservation.id, { state: 'settled_late', expiresAt: now + this.#ttlMs });
    return true;
  }

  async release(reservation: Reservation, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    const now = this.#now();
    this.#dropExpiredRecords(now);
    if (this.#records.get(reservation.id)?.state !== 'held') return false;
    for (const line of reservation.lines) {
      const state = this.#liveLine(line.key, now);
      if (state !== undefined) dropHold(state, reservation.id);
    }
    this.#records.delete(reservation.id);
    return true;
  }

  async usage(key: string, signal?: AbortSignal): Promise<BudgetUsage> {
    signal?.throwIfAborted();
    const state = this.#liveLine(key, this.#now());
    return state === undefined ? { spent: 0, reserved: 0 } : { spent: state.spent, reserved: state.reserved };
  }

  async close(): Promise<void> {
    this.#lines.clear();
    this.#records.clear();
  }

  /** The line if its window is still kept, with expired holds dropped; undefined otherwise. */
  #liveLine(key: string, now: number): Line | undefined {
    const line = this.#lines.get(key);
    if (line === undefined) return undefined;
    if (line.expiresAt <= now) {
      this.#lines.delete(key);
      return undefined;
    }
    for (const [id, hold] of line.holds) {
      if (hold.expiresAt > now) break;
      line.reserved -= hold.amount;
      line.holds.delete(id);
    }
    return line;
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
    const created: Line = { spent: 0, reserved: 0, holds: new Map(), expiresAt };
    this.#lines.set(line.key, created);
    return created;
  }

  #sweepLines(now: number): void {
    for (const [key, line] of this.#lines) {
      if (line.expiresAt <= now) this.#lines.delete(key);
    }
    this.#sweepAt = Math.max(this.#baseThreshold, this.#lines.size * 2);
  }

  #dropExpiredRecords(now: number): void {
    for (const [id, record] of this.#records) {
      if (record.expiresAt > now) break;
      this.#records.delete(id);
    }
  }
}

function dropHold(line: Line, id: string): void {
  const hold = line.holds.get(id);
  if (hold === undefined) return;
  line.reserved -= hold.amount;
  line.holds.delete(id);
}
