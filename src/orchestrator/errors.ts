/** A run hit one of its agent's limits: it fails with `reason` (max_steps, max_tokens). */
export class RunLimitExceeded extends Error {
  constructor(
    readonly reason: 'max_steps' | 'max_tokens',
    message: string,
  ) {
    super(message);
    this.name = 'RunLimitExceeded';
  }
}

/** Why a worker aborted a run's in-flight work; carried as the AbortSignal's reason. */
export class RunStop extends Error {
  constructor(
    readonly why: 'cancelled' | 'timed_out' | 'lease_lost' | 'shutdown',
    readonly by?: string,
  ) {
    super(`run stopped: ${why}`);
    this.name = 'RunStop';
  }
}

/** The agent cannot run as defined (unknown tool, no model backend, missing version). */
export class RunSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunSetupError';
  }
}

/** Governance ended the run: a denied call, a rejected approval, or blocked content. */
export class GovernanceStop extends Error {
  constructor(
    readonly reason: 'denied' | 'rejected' | 'injection_blocked',
    message: string,
  ) {
    super(message);
    this.name = 'GovernanceStop';
  }
}
