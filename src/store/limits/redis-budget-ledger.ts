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
import { RELEASE_LUA, RESERVE_LUA, SETTLE_LUA, USAGE_LUA } from './budget-ledger-lua.ts';
import {
  connectLimitsClient,
  defineScript,
  keyPrefix,
  type LimitsRedisClient,
  type RedisLimitsConnectOptions,
  type RedisScript,
  unexpectedReply,
} from './redis-scripts.ts';

export interface RedisBudgetLedgerOptions {
  /** Prefix for every key. Default `agenticai`, as RedisCache. */
  namespace?: string;
  ids?: IdGenerator;
  /** How long an unsettled reservation holds its amount (and a late settle is remembered). */
  reservationTtlMs?: number;
  /** How long after its resetAt a line's keys are kept. */
  windowGraceMs?: number;
  /** Whether `close()` also quits the client. Default false: the client belongs to the caller. */
  closeClient?: boolean;
}

/**
 * Budgets in Redis, shared by every replica: one EVALSHA per operation over all the lines' keys,
 * with the server's TIME as the clock for reservation expiry; window ends (resetAt) come from the
 * caller's clock. Keys are `<namespace>:budget:line:<key>`, `<namespace>:budget:holds:<key>` and
 * `<namespace>:budget:reservation:<id>` (layout in budget-ledger-lua.ts).
 *
 * The scripts touch several keys, so on Redis Cluster every line of a call would have to hash to
 * one slot; this adapter targets a single primary (with replicas), like RedisCache.
 *
 * Construct it over a client you own (`close()` then leaves it open) or let it `connect`. The
 * AbortSignal is checked before the script is sent; once sent, the script runs to completion.
 */
export class RedisBudgetLedger implements BudgetLedger {
  readonly #client: LimitsRedisClient;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #ids: IdGenerator;
  readonly #ttlMs: number;
  readonly #graceMs: number;
  readonly #reserve: RedisScript;
  readonly #settle: RedisScript;
  readonly #release: RedisScript;
  readonly #usage: RedisScript;

  constructor(client: LimitsRedisClient, options: RedisBudgetLedgerOptions = {}) {
    this.#client = client;
    this.#ownsClient = options.closeClient ?? false;
    this.#prefix = `${keyPrefix(options.namespace)}budget:`;
    this.#ids = options.ids ?? uuidv7Ids;
    const timings = ledgerTimings(options);
    this.#ttlMs = timings.ttlMs;
    this.#graceMs = timings.graceMs;
    this.#reserve = defineScript(client, 'BudgetReserve', RESERVE_LUA);
    this.#settle = defineScript(client, 'BudgetSettle', SETTLE_LUA);
    this.#release = defineScript(client, 'BudgetRelease', RELEASE_LUA);
    this.#usage = defineScript(client, 'BudgetUsage', USAGE_LUA);
  }

  /** Connects its own client and checks the server answers; throws if it does not. */
  static async connect(
    options: RedisLimitsConnectOptions & Omit<RedisBudgetLedgerOptions, 'namespace' | 'closeClient'>,
  ): Promise<RedisBudgetLedger> {
    const client = await connectLimitsClient(options.url);
    return new RedisBudgetLedger(client, { ...options, closeClient: true });
  }

  async reserve(lines: readonly BudgetLine[], amount: number, signal?: AbortSignal): Promise<ReserveResult> {
    signal?.throwIfAborted();
    assertValidReserve(lines, amount);
    const id = this.#ids.next();
    const args: (string | number)[] = [1 + lines.length * 2, this.#recordKey(id)];
    for (const line of lines) args.push(this.#lineKey(line.key), this.#holdsKey(line.key));
    args.push(id, amount, this.#ttlMs, this.#graceMs);
    for (const line of lines) args.push(line.limit, resetArg(line.resetAt));
    const reply = await this.#reserve(...args);
    if (!Array.isArray(reply)) throw unexpectedReply('BudgetReserve', reply);
    if (reply[0] === 1 && typeof reply[1] === 'number') {
      return { ok: true, reservation: { id, amount, lines: [...lines], expiresAt: reply[1] } };
    }
    const line = typeof reply[1] === 'number' ? lines[reply[1] - 1] : undefined;
    if (reply[0] !== 0 || line === undefined || typeof reply[2] !== 'number') {
      throw unexpectedReply('BudgetReserve', reply);
    }
    return { ok: false, line: line.key, limit: line.limit, used: reply[2], resetAt: line.resetAt };
  }

  async settle(reservation: Reservation, actual: number, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    assertValidActual(actual);
    const args = this.#reservationKeys(reservation);
    args.push(reservation.id, actual, this.#ttlMs, this.#graceMs, reservation.expiresAt, reservation.amount);
    for (const line of reservation.lines) args.push(resetArg(line.resetAt));
    return (await this.#settle(...args)) === 1;
  }

  async release(reservation: Reservation, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    const args = this.#reservationKeys(reservation);
    args.push(reservation.id, reservation.amount);
    return (await this.#release(...args)) === 1;
  }

  async usage(key: string, signal?: AbortSignal): Promise<BudgetUsage> {
    signal?.throwIfAborted();
    const reply = await this.#usage(2, this.#lineKey(key), this.#holdsKey(key));
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
      throw unexpectedReply('BudgetUsage', reply);
    }
    return { spent: reply[0], reserved: reply[1] };
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.quit();
  }

  #reservationKeys(reservation: Reservation): (string | number)[] {
    const args: (string | number)[] = [1 + reservation.lines.length * 2, this.#recordKey(reservation.id)];
    for (const line of reservation.lines) args.push(this.#lineKey(line.key), this.#holdsKey(line.key));
    return args;
  }

  #lineKey(key: string): string {
    return `${this.#prefix}line:${key}`;
  }

  #holdsKey(key: string): string {
    return `${this.#prefix}holds:${key}`;
  }

  #recordKey(id: string): string {
    return `${this.#prefix}reservation:${id}`;
  }
}

function resetArg(resetAt: number): string | number {
  return resetAt === Number.POSITIVE_INFINITY ? 'inf' : Math.ceil(resetAt);
}
