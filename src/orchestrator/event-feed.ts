import { TERMINAL_EVENT_TYPES } from '../contracts/index.ts';
import type { EventRecord, RunStore, Signals } from './ports.ts';

const BATCH = 500;
const KEEP_ALIVE_MS = 15_000;

/**
 * Follows a run's events: what is stored after `after`, then each new event as NOTIFY announces
 * it, in seq order, ending after the final event. One database subscription per process serves
 * every follower; the table, not the notification, is the source, so a missed NOTIFY only delays.
 */
export class RunEventFeed {
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #closing = new AbortController();
  #subscribed: Promise<unknown> | null = null;

  constructor(
    private readonly store: RunStore,
    private readonly signals: Signals,
  ) {}

  #subscribe(): Promise<unknown> {
    this.#subscribed ??= this.signals.onRunEvents((runId) => {
      for (const wake of this.#waiters.get(runId) ?? []) wake();
    });
    return this.#subscribed;
  }

  /** Ends every stream (server shutdown), so open SSE connections do not hold the server open. */
  close(): void {
    this.#closing.abort();
  }

  /** Yields events in order, and `null` as a keep-alive when nothing happened for a while. */
  async *follow(
    tenantId: string,
    runId: string,
    after: number,
    clientSignal: AbortSignal,
  ): AsyncGenerator<EventRecord | null> {
    const signal = AbortSignal.any([clientSignal, this.#closing.signal]);
    await this.#subscribe();
    let pending = false;
    let wake: (() => void) | null = null;
    const waiter = () => {
      pending = true;
      wake?.();
    };
    const waiters = this.#waiters.get(runId) ?? new Set();
    waiters.add(waiter);
    this.#waiters.set(runId, waiters);
    let last = after;
    try {
      while (!signal.aborted) {
        pending = false;
        const batch = await this.store.events(tenantId, runId, last, BATCH);
        for (const event of batch) {
          yield event;
          last = event.seq;
          if (TERMINAL_EVENT_TYPES.includes(event.type)) return;
        }
        if (batch.length === BATCH || pending) continue;
        const woken = await new Promise<boolean>((resolve) => {
          const done = (value: boolean) => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            resolve(value);
          };
          const onAbort = () => done(true);
          const timer = setTimeout(() => done(false), KEEP_ALIVE_MS);
          signal.addEventListener('abort', onAbort, { once: true });
          wake = () => done(true);
          if (pending || signal.aborted) done(true);
        });
        wake = null;
        if (!woken) yield null;
      }
    } finally {
      waiters.delete(waiter);
      if (waiters.size === 0) this.#waiters.delete(runId);
    }
  }
}
