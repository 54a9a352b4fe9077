import type { FieldError, TriggerSpec } from '../contracts/index.ts';
import { assertNever } from '../core/index.ts';
import { nextTick, scheduleProblems } from './schedule.ts';
import { templateProblems } from './template.ts';

/**
 * What a Trigger's schema cannot say: its cron expression and time zone work, its `${…}`
 * references are well formed. Pointers sit under `prefix` (e.g. `/spec` or `/items/3/spec`).
 */
export function checkTriggerSpec(spec: TriggerSpec, prefix: string, now: Date): FieldError[] {
  switch (spec.type) {
    case 'schedule':
      return scheduleProblems(spec.schedule, now).map(({ field, detail }) => ({
        pointer: `${prefix}/schedule/${field}`,
        detail,
      }));
    case 'webhook':
      return [
        ...templateProblems(spec.input, `${prefix}/input`),
        ...(spec.idempotency ? templateProblems(spec.idempotency.from, `${prefix}/idempotency/from`) : []),
      ];
    default:
      return assertNever(spec);
  }
}

/** When the trigger fires next after `after`: null for webhooks and disabled schedules. */
export function nextFireOf(spec: TriggerSpec, after: Date): Date | null {
  return spec.type === 'schedule' && spec.enabled ? nextTick(spec.schedule, after) : null;
}
