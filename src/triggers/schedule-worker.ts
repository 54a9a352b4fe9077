import { type Clock, isAppError } from '../core/index.ts';
import { triggerPrincipal } from './mapping.ts';
import type { DueSchedule, FireAudit, FireEvent, RunStarter, ScheduleStore } from './ports.ts';
import { nextFireOf } from './rules.ts';

/** How long a claimed tick is ours: a scheduler that dies mid-fire hands it on after this. */
export const SCHEDULE_LEASE_MS = 60_000;

export interface ScheduleWorkerDeps {
  schedules: ScheduleStore;
  runs: RunStarter;
  audit: FireAudit;
  clock: Clock;
  /** This scheduler's name in leases. */
  owner: string;
  /** How long to wait when nothing is due. */
  pollMs: number;
  leaseMs?: number;
  onError(error: unknown, claim: DueSchedule | null): void;
}

/**
 * Fires due schedule triggers. The next fire of each trigger is a row in the database, claimed
 * under a lease with `for update skip locked`, so replicas never fire one tick twice. A fire
 * starts the run under the key `trigger:NAME:<tick>` (a claimer that takes over an expired lease
 * finds the run already started), then moves the next fire to the first tick after *now*: ticks
 * missed while no scheduler ran fire once, not once each.
 */
export class ScheduleWorker {
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  readonly #abort = new AbortController();

  constructor(private readonly deps: ScheduleWorkerDeps) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort(new Error('the scheduler is stopping'));
    this.#wake?.();
    await this.#loop;
  }

  /** Fires every tick due now, one claim at a time; returns how many fired. */
  async fireDue(signal: AbortSignal = this.#abort.signal): Promise<number> {
    let fired = 0;
    for (;;) {
      const claim = await this.deps.schedules.claimDue(
        this.deps.owner,
        this.deps.clock.now(),
        this.deps.leaseMs ?? SCHEDULE_LEASE_MS,
        signal,
      );
      if (!claim) return fired;
      try {
        await this.#fire(claim, signal);
        fired += 1;
      } catch (error) {
        // The lease stays: the tick fires again once it expires (its run key finds a started run).
        if (!signal.aborted) this.deps.onError(error, claim);
      }
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.fireDue();
      } catch (error) {
        if (!this.#stopped) this.deps.onError(error, null);
      }
      if (!this.#stopped) await this.#idle();
    }
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.deps.pollMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #fire(claim: DueSchedule, signal: AbortSignal): Promise<void> {
    const { spec, name, tenantId } = claim;
    const now = this.deps.clock.now();
    const scheduledAt = claim.dueAt.toISOString();
    if (spec.type !== 'schedule' || !spec.enabled) {
      // Changed since it was scheduled, without a reschedule reaching this row: nothing is due.
      await this.deps.schedules.finish(
        claim,
        this.deps.owner,
        { at: now, runId: null, error: null, nextFireAt: null },
        signal,
      );
      return;
    }
    const idempotencyKey = `trigger:${name}:${scheduledAt}`;
    const event: Omit<FireEvent, 'outcome' | 'runId'> = {
      trigger: name,
      type: 'schedule',
      idempotencyKey,
      scheduledAt,
    };
    let outcome: FireEvent['outcome'] = 'failed';
    let runId: string | null = null;
    let error: string | null = null;
    try {
      const run = await this.deps.runs.start(
        tenantId,
        {
          agent: spec.agent,
          version: spec.version,
          input: spec.input ?? {},
          metadata: { trigger: name, scheduled_at: scheduledAt },
          idempotencyKey,
          createdBy: spec.runAs ?? triggerPrincipal(name),
        },
        signal,
      );
      runId = run.runId;
      outcome = run.created ? 'started' : 'duplicate';
    } catch (failure) {
      // A fault of the trigger (its agent is gone or unpublished) skips the tick; anything else
      // (the database) keeps the lease, so the tick is tried again.
      if (!isAppError(failure) || failure.category === 'internal') throw failure;
      error = failure.message;
    }
    await this.deps.audit(tenantId, { ...event, outcome, runId, detail: error ?? undefined }, signal);
    await this.deps.schedules.finish(
      claim,
      this.deps.owner,
      { at: now, runId, error, nextFireAt: nextFireOf(spec, now) },
      signal,
    );
  }
}
