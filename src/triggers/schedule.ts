import { Cron } from 'croner';

/** A cron expression with the time zone it is read in, as `spec.schedule` holds them. */
export interface CronSchedule {
  cron: string;
  timezone: string;
}

/** Why an expression cannot be used; croner's own wording, without its class prefix. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Cron\w*:\s*/, '').split(' Original error:')[0] ?? message;
}

function cronOf(schedule: CronSchedule): Cron {
  // No callback: croner keeps no timer, the expression is only evaluated.
  return new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
}

/**
 * Problems with a schedule, by field: an expression that does not parse, a time zone that is not
 * IANA's, or an expression that never fires again (30 February). Empty when it is usable.
 */
export function scheduleProblems(
  schedule: CronSchedule,
  now: Date,
): { field: 'cron' | 'timezone'; detail: string }[] {
  let cron: Cron;
  try {
    cron = cronOf(schedule);
  } catch (error) {
    return [{ field: 'cron', detail: `not a cron expression: ${reason(error)}` }];
  }
  try {
    if (cron.nextRun(now) === null) return [{ field: 'cron', detail: 'the expression never fires' }];
  } catch (error) {
    return [{ field: 'timezone', detail: `not an IANA time zone: ${reason(error)}` }];
  }
  return [];
}

/**
 * The first tick strictly after `after`, or null when there is none (or the schedule is unusable:
 * the registry refuses such schedules, so a stored one always has a next tick).
 */
export function nextTick(schedule: CronSchedule, after: Date): Date | null {
  try {
    return cronOf(schedule).nextRun(after);
  } catch {
    return null;
  }
}
