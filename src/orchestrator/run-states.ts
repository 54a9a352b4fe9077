import { type RunStatus, TERMINAL_RUN_STATUSES } from '../contracts/index.ts';
import { AppError } from '../core/index.ts';

/**
 * The legal moves of a run, in one place. The store refuses any other write of `status`.
 * paused → running is a resume (approval given, or an in-doubt call resolved).
 */
export const RUN_TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  pending: ['running', 'cancelled', 'failed', 'timed_out'],
  running: ['paused', 'completed', 'failed', 'cancelled', 'timed_out'],
  paused: ['running', 'cancelled', 'failed', 'timed_out'],
  completed: [],
  failed: [],
  cancelled: [],
  timed_out: [],
};

export const isTerminal = (status: RunStatus): boolean => TERMINAL_RUN_STATUSES.includes(status);

/** Throws CONFLICT naming both states when a move is not in the table. */
export function assertRunTransition(from: RunStatus, to: RunStatus): void {
  if (!RUN_TRANSITIONS[from].includes(to)) {
    throw new AppError('CONFLICT', `a ${from} run cannot become ${to}`, { details: { from, to } });
  }
}

/** The statuses a run may move to `to` from. */
export const sourcesOf = (to: RunStatus): RunStatus[] =>
  (Object.keys(RUN_TRANSITIONS) as RunStatus[]).filter((from) => RUN_TRANSITIONS[from].includes(to));
