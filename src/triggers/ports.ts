import type { RunCreate, RunStatus, SecretRef, TriggerSpec } from '../contracts/index.ts';

export type WebhookTriggerSpec = Extract<TriggerSpec, { type: 'webhook' }>;
/** What a trigger hands a run: a user message or a JSON object. */
export type TriggerInput = RunCreate['input'];

/** A trigger as deliveries and the scheduler see it. */
export interface TriggerView {
  id: string;
  name: string;
  spec: TriggerSpec;
}

/** Where hooks find their tenant and trigger (the identity store and the registry, wired in main). */
export interface TriggerDirectory {
  /** The id of the tenant with this name; null if there is none. */
  tenantId(tenantName: string, signal?: AbortSignal): Promise<string | null>;
  /** The tenant's trigger by name; null if absent. */
  find(tenantId: string, name: string, signal?: AbortSignal): Promise<TriggerView | null>;
}

/** Reads a secret's value from the platform's secret store. Throws if it cannot (missing, sealed). */
export type SecretReader = (tenantId: string, ref: SecretRef, signal?: AbortSignal) => Promise<string>;

export interface TriggeredRun {
  agent: string;
  version?: number | undefined;
  input: TriggerInput;
  /** String values only: `{trigger: NAME}` and, for schedules, `scheduled_at`. */
  metadata: Record<string, string>;
  /** The run's idempotency key: the key alone identifies the run, whatever else a repeat carries. */
  idempotencyKey?: string | undefined;
  /** The principal the run is created by: `trigger:NAME`. */
  createdBy: string;
}

/** Starts runs (the orchestrator's run service, wired in main). */
export interface RunStarter {
  /**
   * Starts a run, or returns the one an earlier start with the same idempotency key began
   * (`created: false`), whatever the rest of the request. Throws AppError NOT_FOUND for an unknown
   * agent or version and CONFLICT when the agent has no published version.
   */
  start(
    tenantId: string,
    run: TriggeredRun,
    signal?: AbortSignal,
  ): Promise<{ runId: string; status: RunStatus; created: boolean }>;
}

/** One fire's outcome, shown in the trigger's status. */
export interface FireRecord {
  at: Date;
  runId: string | null;
  /** Why no run started; null when one did (or an earlier one was found). */
  error: string | null;
}

/** The last fire of each trigger and how many there were. */
export interface TriggerStateStore {
  /** Records a fire; does nothing when the trigger is gone. */
  recordFire(tenantId: string, triggerId: string, fire: FireRecord, signal?: AbortSignal): Promise<void>;
}

/** A schedule tick that is due, claimed by one scheduler. */
export interface DueSchedule {
  tenantId: string;
  triggerId: string;
  name: string;
  spec: TriggerSpec;
  /** The tick that was due (the earliest missed one after downtime). */
  dueAt: Date;
}

/**
 * Due schedules of every tenant. A claim is a lease: a claimer that dies loses it when it expires,
 * and the next claimer gets the same tick (whose run key then finds the run already started).
 */
export interface ScheduleStore extends TriggerStateStore {
  /**
   * Claims one trigger whose next fire is at or before `now` and that no live lease holds, leasing
   * it to `owner` until `now + leaseMs`. Two concurrent claimers never get the same trigger
   * (`for update skip locked`). Returns null when nothing is due.
   */
  claimDue(owner: string, now: Date, leaseMs: number, signal?: AbortSignal): Promise<DueSchedule | null>;
  /**
   * Records the fire and releases the lease. The next fire becomes `nextFireAt` unless the trigger
   * was rescheduled (changed or re-enabled) since the claim. Returns false, writing nothing, when
   * `owner` no longer holds the lease.
   */
  finish(
    claim: DueSchedule,
    owner: string,
    fire: FireRecord & { nextFireAt: Date | null },
    signal?: AbortSignal,
  ): Promise<boolean>;
}

export const FIRE_OUTCOMES = ['started', 'duplicate', 'refused', 'failed'] as const;
export type FireOutcome = (typeof FIRE_OUTCOMES)[number];

/** What the audit log keeps of a fire (the delivery's payload stays in the run's input). */
export interface FireEvent {
  trigger: string;
  type: TriggerSpec['type'];
  outcome: FireOutcome;
  runId: string | null;
  /** Why it was refused or failed. */
  detail?: string | undefined;
  idempotencyKey?: string | undefined;
  scheduledAt?: string | undefined;
}

/** Writes fires to the audit log. Throws if the record cannot be written. */
export type FireAudit = (tenantId: string, event: FireEvent, signal?: AbortSignal) => Promise<void>;
