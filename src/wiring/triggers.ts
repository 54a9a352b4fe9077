import type { Logger } from 'pino';
import type { TriggerAccess } from '../api/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import type { Clock, IdGenerator } from '../core/index.ts';
import type { TenantStore } from '../identity/index.ts';
import type { RunService } from '../orchestrator/index.ts';
import type { TriggerRules, TriggerService } from '../registry/index.ts';
import type { SecretService } from '../secrets/index.ts';
import { type Database, SqlScheduleStore } from '../store/index.ts';
import {
  checkTriggerSpec,
  type FireAudit,
  HookService,
  nextFireOf,
  type RunStarter,
  ScheduleWorker,
} from '../triggers/index.ts';

export interface TriggerWiring {
  /** Trigger CRUD and `POST /api/v1/hooks/{name}` (and its tenant form). */
  access: TriggerAccess;
  /** Starts this process's scheduler (where it runs workers). */
  startWorker(): void;
  close(): Promise<void>;
}

/** What the registry checks Trigger specs with, and how it schedules them. */
export function triggerRules(clock: Clock): TriggerRules {
  return {
    check: (spec, prefix) => checkTriggerSpec(spec, prefix, clock.now()),
    nextFire: nextFireOf,
  };
}

/**
 * Webhook deliveries and the scheduler: runs start through the run service as `trigger:NAME`,
 * keyed so a repeat finds the first run; every fire is audited as `trigger_fire`.
 */
export function wireTriggers(
  database: Database,
  triggers: TriggerService,
  runs: RunService,
  deps: {
    tenants: Pick<TenantStore, 'getByName'>;
    secrets: SecretService;
    audit: AuditLog;
    clock: Clock;
    ids: IdGenerator;
    logger: Logger;
    config: Pick<Config, 'triggerPollMs'>;
  },
): TriggerWiring {
  const { logger } = deps;
  const starter: RunStarter = {
    async start(tenantId, run) {
      const { run: started, created } = await runs.start(
        { tenantId, principal: run.createdBy },
        run.agent,
        {
          input: run.input,
          metadata: run.metadata,
          version: run.version,
          idempotency_key: run.idempotencyKey,
        },
        undefined,
        { keyOnly: true },
      );
      return { runId: started.id, status: started.status, created };
    },
  };
  const audit: FireAudit = async (tenantId, event, signal) => {
    await deps.audit.append(
      tenantId,
      {
        actorType: 'system',
        actor: `trigger:${event.trigger}`,
        action: 'trigger_fire',
        runId: event.runId,
        decision: event.outcome,
        rule: event.type,
        metadata: {
          trigger: event.trigger,
          type: event.type,
          outcome: event.outcome,
          ...(event.detail ? { detail: event.detail } : {}),
          ...(event.idempotencyKey ? { idempotency_key: event.idempotencyKey } : {}),
          ...(event.scheduledAt ? { scheduled_at: event.scheduledAt } : {}),
        },
      },
      signal,
    );
  };
  const schedules = new SqlScheduleStore(database.db);
  const hooks = new HookService({
    directory: {
      tenantId: async (name) => (await deps.tenants.getByName(name))?.id ?? null,
      find: async (tenantId, name, signal) => {
        const record = await triggers.record(tenantId, name, signal);
        return record ? { id: record.id, name: record.name, spec: record.spec } : null;
      },
    },
    secrets: (tenantId, ref, signal) => deps.secrets.resolve(tenantId, ref, signal),
    runs: starter,
    state: schedules,
    audit,
    clock: deps.clock,
    onSecretError: (error, where) => logger.error({ err: error, ...where }, 'trigger secret unreadable'),
  });
  const worker = new ScheduleWorker({
    schedules,
    runs: starter,
    audit,
    clock: deps.clock,
    owner: `scheduler:${deps.ids.next()}`,
    pollMs: deps.config.triggerPollMs,
    onError: (error, claim) =>
      logger.error(
        { err: error, tenantId: claim?.tenantId, trigger: claim?.name, dueAt: claim?.dueAt },
        'schedule trigger fire failed',
      ),
  });
  let started = false;
  return {
    access: { triggers, hooks },
    startWorker: () => {
      started = true;
      worker.start();
    },
    close: async () => {
      if (started) await worker.stop();
    },
  };
}
