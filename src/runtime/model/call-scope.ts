/**
 * One chat call's cancellation: the caller's signal plus the call's own time limit, merged into
 * `signal`. Until an answer starts streaming, the limit is the overall deadline (`timeoutMs` from
 * the start, across retries); once `progress()` is called (a stream delivered part of the answer)
 * it becomes an idle limit: the stream must make progress at least every `timeoutMs`, so a long
 * answer that keeps coming is not cut off while a stalled one is. Call `dispose()` when done.
 */
export class CallScope {
  readonly #controller = new AbortController();
  readonly #callerSignal: AbortSignal;
  readonly #timeoutMs: number;
  readonly #onCallerAbort: () => void;
  #timer: NodeJS.Timeout;
  #streaming = false;
  #timedOut = false;

  constructor(callerSignal: AbortSignal, timeoutMs: number) {
    this.#callerSignal = callerSignal;
    this.#timeoutMs = timeoutMs;
    this.#onCallerAbort = () => this.#controller.abort(callerSignal.reason);
    callerSignal.addEventListener('abort', this.#onCallerAbort, { once: true });
    this.#timer = setTimeout(() => this.#expire(), timeoutMs);
  }

  /** Aborts when the caller aborts or the time limit passes. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get callerAborted(): boolean {
    return this.#callerSignal.aborted;
  }

  /** The caller's abort reason (not the time limit's, should both have fired). */
  get callerReason(): unknown {
    return this.#callerSignal.reason;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Whether the limit in force is the idle one (the answer is streaming). */
  get streaming(): boolean {
    return this.#streaming;
  }

  progress(): void {
    if (this.#streaming) {
      this.#timer.refresh();
      return;
    }
    this.#streaming = true;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#expire(), this.#timeoutMs);
  }

  /** Aborts the call (e.g. its consumer went away) with `reason`; not a timeout, not the caller's. */
  cancel(reason: unknown): void {
    this.#controller.abort(reason);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#callerSignal.removeEventListener('abort', this.#onCallerAbort);
  }

  #expire(): void {
    if (this.#controller.signal.aborted) return;
    this.#timedOut = true;
    this.#controller.abort(new Error('model call timed out'));
  }
}
