import type { Logger } from 'pino';
import { RunStop } from './errors.ts';
import type { RunExecutor } from './executor.ts';
import type { RunQueue, Signals } from './ports.ts';

export interface WorkerOptions {
  id: string;
  /** Runs executed at once by this worker. */
  concurrency: number;
  leaseMs: number;
  /** Fallback poll (NOTIFY wakes it sooner): lease take-overs and missed notifications. */
  pollMs: number;
}

/**
 * Claims runnable runs from the durable queue and executes them, up to `concurrency` at a time.
 * Wakes on NOTIFY (a run became runnable, or a run it holds was cancelled) and polls as a
 * fallback. `stop` stops claiming, lets runs in progress finish within a grace period, then aborts
 * the rest (their leases lapse and another worker resumes them from their last step).
 */
export class Worker {
  readonly #active = new Map<string, AbortController>();
  readonly #running = new Set<Promise<void>>();
  #claiming = false;
  #claim: Promise<void> = Promise.resolve();
  #again = false;
  #stopped = true;
  #poll: NodeJS.Timeout | undefined;
  #unsubscribe: Array<() => Promise<void>> = [];

  constructor(
    private readonly queue: RunQueue,
    private readonly signals: Signals,
    private readonly executor: RunExecutor,
    private readonly logger: Logger,
    private readonly options: WorkerOptions,
  ) {}

  get activeRuns(): number {
    return this.#active.size;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    this.#unsubscribe.push(await this.signals.onRunnable(() => this.kick()));
    this.#unsubscribe.push(
      await this.signals.onRunControl((runId) => this.#active.get(runId)?.abort(new RunStop('cancelled'))),
    );
    this.#poll = setInterval(() => this.kick(), this.options.pollMs);
    this.#poll.unref();
    this.kick();
  }

  /** Claims as long as there is capacity and work; safe to call from any trigger. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#claiming) {
      this.#again = true;
      return;
    }
    this.#claiming = true;
    this.#claim = this.#claimLoop()
      .catch((error: unknown) =>
        this.logger.error({ err: error, worker: this.options.id }, 'claiming runs failed'),
      )
      .finally(() => {
        this.#claiming = false;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  async #claimLoop(): Promise<void> {
    while (!this.#stopped && this.#active.size < this.options.concurrency) {
      const claimed = await this.queue.claim(this.options.id, this.options.leaseMs);
      if (!claimed) return;
      const controller = new AbortController();
      this.#active.set(claimed.run.id, controller);
      const execution = this.executor
        .execute(claimed, controller)
        .catch((error: unknown) =>
          this.logger.error({ err: error, runId: claimed.run.id }, 'run execution crashed'),
        )
        .finally(() => {
          this.#active.delete(claimed.run.id);
          this.#running.delete(execution);
          this.kick();
        });
      this.#running.add(execution);
    }
  }

  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#poll);
    await this.#claim;
    await Promise.all(this.#unsubscribe.map((unsubscribe) => unsubscribe().catch(() => undefined)));
    this.#unsubscribe = [];
    const drained = Promise.all([...this.#running]);
    const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([drained, timer]);
    for (const controller of this.#active.values()) controller.abort(new RunStop('shutdown'));
    await drained;
  }
}
