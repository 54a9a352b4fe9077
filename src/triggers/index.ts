export { type HookDelivery, HookService, type HookServiceDeps } from './hook-service.ts';
export { idempotencyKeyOf, mappingHeaders, runInputOf, triggerPrincipal } from './mapping.ts';
export {
  type DueSchedule,
  FIRE_OUTCOMES,
  type FireAudit,
  type FireEvent,
  type FireOutcome,
  type FireRecord,
  type RunStarter,
  type ScheduleStore,
  type SecretReader,
  type TriggerDirectory,
  type TriggeredRun,
  type TriggerInput,
  type TriggerStateStore,
  type TriggerView,
  type WebhookTriggerSpec,
} from './ports.ts';
export { checkTriggerSpec, nextFireOf } from './rules.ts';
export { nextTick, scheduleProblems } from './schedule.ts';
export { SCHEDULE_LEASE_MS, ScheduleWorker, type ScheduleWorkerDeps } from './schedule-worker.ts';
export { signBody, verifyHmac, verifyToken } from './signature.ts';
