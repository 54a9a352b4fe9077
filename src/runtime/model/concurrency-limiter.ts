interface Waiter {
  grant: (release: () => void) => void;
}

/**
 * At most `limit` holders at once; later callers wait in arrival order. `limit` may change
 * between calls (a backend's `maxConcurrency` was edited): a raised limit admits waiters at once,
 * a lowered one takes effect as holders release.
 */
export class ConcurrencyLimiter {
  #limit: number;
  #active = 0;
  readonly #waiters: Waiter[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  set limit(limit: number) {
    this.#limit = Math.max(1, limit);
    this.#drain();
  }

  /**
   * Resolves with a release function (idempotent) once a slot is free. Rejects with the signal's
   * reason if it aborts first; the waiter then leaves the queue and never holds a slot.
   */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.#limit && this.#waiters.length === 0) {
      this.#active += 1;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      this.#waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active -= 1;
      this.#drain();
    };
  }

  #drain(): void {
    while (this.#active < this.#limit) {
      const waiter = this.#waiters.shift();
      if (!waiter) return;
      this.#active += 1;
      waiter.grant(this.#releaser());
    }
  }
}
