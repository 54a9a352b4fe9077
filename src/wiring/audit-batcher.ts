import { type AuditEntry, type AuditLog, MAX_AUDIT_BATCH, type PreparedAuditRecord } from '../audit/index.ts';

interface Pending {
  records: PreparedAuditRecord[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the audit log. A tenant's chain takes one append at a time (its head row is
 * locked), so a worker running many runs would queue on that lock. Instead, while one append of a
 * tenant is in flight, later ones wait here and go together as the next batch: one statement,
 * one commit, many records. Every caller still resolves only once its records are committed.
 * Records are masked and hashed as they come (their time is when they were recorded), so writing a
 * large batch does not hold the thread for the whole batch's preparation at once.
 */
export class AuditBatcher {
  readonly #queues = new Map<string, { pending: Pending[]; flushing: boolean }>();
  readonly #flushes = new Set<Promise<void>>();
  /** Resolves lingering flushes at once: set by `drain`. */
  #hurry: (() => void) | undefined;
  #hurried: Promise<void> = new Promise((resolve) => {
    this.#hurry = resolve;
  });
  #draining = false;

  /**
   * `lingerMs`: how long the first record of a batch waits for company before it is written. 0
   * (the default) writes at once; writers that never wait for the commit (the model gateway's
   * records) trade that delay for far fewer transactions under load. `maxBatch`: records per
   * statement at most (a backlog is written in several).
   */
  constructor(
    private readonly log: AuditLog,
    private readonly lingerMs = 0,
    private readonly maxBatch = MAX_AUDIT_BATCH,
  ) {}

  /** Rejects at once if an entry cannot be recorded (not JSON), else once its records are committed. */
  append(tenantId: string, entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    let records: PreparedAuditRecord[];
    try {
      records = entries.map((entry) => this.log.prepare(tenantId, entry));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(tenantId, records);
  }

  /** Records prepared already (`AuditLog.prepare`: their ids are known); resolves once committed. */
  enqueue(tenantId: string, records: PreparedAuditRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let queue = this.#queues.get(tenantId);
      if (!queue) {
        queue = { pending: [], flushing: false };
        this.#queues.set(tenantId, queue);
      }
      queue.pending.push({ records, resolve, reject });
      if (!queue.flushing) {
        const flushing = this.#flush(tenantId, queue);
        this.#flushes.add(flushing);
        void flushing.finally(() => this.#flushes.delete(flushing));
      }
    });
  }

  /**
   * Writes everything queued now, without lingering, and resolves once it is committed (or has
   * failed, which its callers were told). Call before the database closes: records still lingering
   * would otherwise be lost.
   */
  async drain(): Promise<void> {
    this.#draining = true;
    this.#hurry?.();
    while (this.#flushes.size > 0) await Promise.allSettled([...this.#flushes]);
  }

  async #flush(tenantId: string, queue: { pending: Pending[]; flushing: boolean }): Promise<void> {
    queue.flushing = true;
    if (this.lingerMs > 0 && !this.#draining) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise((resolve) => (timer = setTimeout(resolve, this.lingerMs))),
        this.#hurried,
      ]);
      clearTimeout(timer);
    }
    while (queue.pending.length > 0) {
      const batch: Pending[] = [];
      let size = 0;
      while (queue.pending.length > 0) {
        const next = queue.pending[0] as Pending;
        if (batch.length > 0 && size + next.records.length > this.maxBatch) break;
        batch.push(next);
        size += next.records.length;
        queue.pending.shift();
      }
      try {
        await this.log.appendPrepared(
          tenantId,
          batch.flatMap((p) => p.records),
        );
        for (const p of batch) p.resolve();
      } catch (error) {
        if (batch.length === 1) (batch[0] as Pending).reject(error);
        // One caller's bad entry must not fail the others: each alone, then.
        else
          for (const p of batch) await this.log.appendPrepared(tenantId, p.records).then(p.resolve, p.reject);
      }
    }
    queue.flushing = false;
    this.#queues.delete(tenantId);
  }
}
