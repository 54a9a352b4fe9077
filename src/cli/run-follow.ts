import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { ConnectionError, fillPath, type RunEvent, type RunEventType, routes } from '../contracts/index.ts';
import { CommandExit, EXIT } from './exit-codes.ts';
import { LiveTerminal } from './live-terminal.ts';
import { RunEventRenderer } from './run-render.ts';
import type { CliRuntime } from './runtime.ts';
import { styleFor } from './style.ts';

/** How a follow ended: the run's end, everything stored so far was read, or Ctrl-C. */
export type FollowOutcome = 'completed' | 'failed' | 'cancelled' | 'caught_up' | 'interrupted';

export interface FollowRequest {
  runId: string;
  /** Start after this event seq; 0 for the first event. */
  after: number;
  /**
   * `end`: until the run's final event, through pauses, with a spinner on a terminal.
   * `caught_up`: only the events already stored: stop at the final event, or once the stream has
   * been quiet for CAUGHT_UP_QUIET_MS (FIRST_EVENT_QUIET_MS before the first event, which waits
   * for the connection too): the API has no "caught up" marker.
   */
  until: 'end' | 'caught_up';
}

export const CAUGHT_UP_QUIET_MS = 1000;
export const FIRST_EVENT_QUIET_MS = 3000;
/** Reconnect delays after a dropped connection; the last one repeats. */
const RECONNECT_DELAYS_MS = [200, 500, 1000, 2000, 5000];
/** Consecutive failed connections (no event received in between) before giving up. */
const MAX_RECONNECTS = 10;

const OUTCOME_OF: Partial<Record<RunEventType, FollowOutcome>> = {
  run_completed: 'completed',
  run_failed: 'failed',
  run_cancelled: 'cancelled',
};

interface EventOutput {
  event(event: RunEvent): void;
  waiting(text: string): void;
  note(text: string): void;
  close(): void;
}

/** -o json: one event per line (NDJSON); -o yaml: one document per event; otherwise rendered. */
function outputFor(runtime: CliRuntime, live: boolean): EventOutput {
  const format = runtime.format();
  if (format === 'json' || format === 'yaml') {
    const { printer } = runtime;
    return {
      event: (event) =>
        printer.out(format === 'json' ? JSON.stringify(event) : `---\n${stringify(event).trimEnd()}`),
      waiting: () => undefined,
      note: (text) => printer.err(text),
      close: () => undefined,
    };
  }
  const terminal = new LiveTerminal(runtime.printer, runtime.printer.terminal() !== undefined);
  const renderer = new RunEventRenderer(
    terminal,
    styleFor(runtime.printer.terminal() !== undefined, runtime.env),
  );
  return {
    event: (event) => renderer.render(event),
    waiting: (text) => {
      if (live) terminal.waiting(text);
    },
    note: (text) => terminal.note(text),
    close: () => terminal.close(),
  };
}

const QUIET = Symbol('quiet');

/** `next`, or QUIET if it does not settle within `ms` (never, when ms is undefined). */
async function nextOrQuiet<T>(next: Promise<T>, ms: number | undefined): Promise<T | typeof QUIET> {
  if (ms === undefined) return next;
  let timer: NodeJS.Timeout | undefined;
  const quiet = new Promise<typeof QUIET>((resolve) => {
    timer = setTimeout(() => resolve(QUIET), ms);
  });
  try {
    return await Promise.race([next, quiet]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Prints a run's events from `GET /api/v1/runs/{id}/events`, reconnecting with Last-Event-ID
 * when the connection drops (no event is lost or shown twice). Ctrl-C stops following and
 * leaves the run alone. Throws ConnectionError after MAX_RECONNECTS failed connections in a row.
 */
export async function followRun(runtime: CliRuntime, request: FollowRequest): Promise<FollowOutcome> {
  const client = runtime.client();
  const path = fillPath(routes.getRunEvents.path, { id: request.runId });
  const live = request.until === 'end';
  const output = outputFor(runtime, live);
  const stop = new AbortController();
  void runtime.stopSignal().then(() => stop.abort());
  let last = request.after;
  let failures = 0;
  let waitingText = 'waiting for the run to start';
  let outcome: FollowOutcome | undefined;
  try {
    output.waiting(waitingText);
    while (outcome === undefined) {
      const quiet = new AbortController();
      const stream = client.streamEvents(path, {
        lastEventId: last > 0 ? last : undefined,
        signal: AbortSignal.any([stop.signal, quiet.signal]),
      });
      try {
        for (;;) {
          const next = stream.next();
          const quietMs = live ? undefined : last > request.after ? CAUGHT_UP_QUIET_MS : FIRST_EVENT_QUIET_MS;
          const result = await nextOrQuiet(next, quietMs);
          if (result === QUIET) {
            quiet.abort();
            await next.catch(() => undefined);
            outcome = 'caught_up';
            break;
          }
          if (result.done) break;
          const event = result.value;
          if (event.seq <= last) continue;
          last = event.seq;
          failures = 0;
          output.event(event);
          outcome = OUTCOME_OF[event.type];
          if (outcome !== undefined) {
            await stream.return(undefined);
            break;
          }
          if (event.type === 'run_paused') waitingText = 'paused: waiting for a decision (actl runs resolve)';
          else if (event.type === 'run_started' || event.type === 'run_resumed') waitingText = 'running';
          output.waiting(waitingText);
        }
      } catch (error) {
        if (stop.signal.aborted) break;
        if (!(error instanceof ConnectionError) || failures >= MAX_RECONNECTS) throw error;
        output.note(`connection lost (${error.message}); reconnecting after event ${last}`);
      }
      if (outcome !== undefined || stop.signal.aborted) break;
      // The stream ended or dropped before the run did: resume after the last event received.
      const delay = RECONNECT_DELAYS_MS[Math.min(failures, RECONNECT_DELAYS_MS.length - 1)] ?? 1000;
      failures += 1;
      await sleep(delay, undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted) break;
      output.waiting(waitingText);
    }
  } finally {
    output.close();
  }
  return outcome ?? 'interrupted';
}

/**
 * Exit code of a followed run: 0 completed, 1 failed or cancelled (timed out is a failure with
 * reason timed_out), 130 after Ctrl-C, which says that the run goes on.
 */
export function exitAfterFollow(runtime: CliRuntime, runId: string, outcome: FollowOutcome): void {
  switch (outcome) {
    case 'completed':
    case 'caught_up':
      return;
    case 'failed':
    case 'cancelled':
      throw new CommandExit(EXIT.error);
    case 'interrupted':
      runtime.printer.err(
        `stopped following; run ${runId} was not cancelled and goes on (actl runs get ${runId}; actl runs cancel ${runId})`,
      );
      throw new CommandExit(EXIT.interrupted);
    default: {
      const unknown: never = outcome;
      throw new Error(`unhandled follow outcome ${String(unknown)}`);
    }
  }
}
