import {
  API_VERSION,
  type ApplyAction,
  type FieldError,
  type Page,
  type Trigger,
  type TriggerSpec,
} from '../contracts/index.ts';
import { AppError, type Clock, canonicalJson, type IdGenerator } from '../core/index.ts';
import type { ListQuery, WriteOptions } from './agent-service.ts';
import type {
  RegistryStores,
  RegistryTransactions,
  TriggerFireState,
  TriggerRecord,
  TriggerStore,
} from './ports.ts';
import { metadataOf } from './resources.ts';
import { reconcileSpec, SpecResourceService, type SpecWrite } from './spec-resource-service.ts';

const NOUN = 'trigger';

/** What the triggers component knows of a spec (wired in main): its checks and its schedule. */
export interface TriggerRules {
  /** Problems a schema cannot express (cron, `${…}` references), with pointers under `prefix`. */
  check(spec: TriggerSpec, prefix: string): FieldError[];
  /** The first fire after `after`; null for webhooks, disabled triggers, or no tick to come. */
  nextFire(spec: TriggerSpec, after: Date): Date | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The trigger as the API shows it; `hookPath` is the API's to fill (it knows the tenant's name). */
export function toTriggerResource(record: TriggerRecord, state?: TriggerFireState): Trigger {
  return {
    apiVersion: API_VERSION,
    kind: 'Trigger',
    metadata: metadataOf(record),
    spec: record.spec,
    status: {
      hookPath: null,
      nextFireAt: iso(state?.nextFireAt ?? null),
      lastFiredAt: iso(state?.lastFiredAt ?? null),
      lastRunId: state?.lastRunId ?? null,
      lastError: state?.lastError ?? null,
      fires: state?.fires ?? 0,
    },
  };
}

/**
 * Problems with the agent a trigger starts: it must exist in the tenant (and the version, when
 * named). Reads in the caller's transaction, so an agent applied in the same request counts.
 */
export async function checkTriggerAgent(
  stores: Pick<RegistryStores, 'agents' | 'principals'>,
  spec: TriggerSpec,
  prefix: string,
): Promise<FieldError[]> {
  const { agents } = stores;
  if (spec.runAs !== undefined && !(await stores.principals.exists(spec.runAs)))
    return [{ pointer: `${prefix}/runAs`, detail: `no principal "${spec.runAs}" in this tenant` }];
  const agent = await agents.get(spec.agent);
  if (!agent) return [{ pointer: `${prefix}/agent`, detail: `no agent "${spec.agent}" in this tenant` }];
  if (spec.version !== undefined && !(await agents.getVersion(agent.agent.id, spec.version)))
    return [{ pointer: `${prefix}/version`, detail: `agent "${spec.agent}" has no version ${spec.version}` }];
  return [];
}

/** What decides the next fire: a write that changes none of it keeps the next fire as it was. */
const scheduleKey = (spec: TriggerSpec) =>
  canonicalJson({
    type: spec.type,
    enabled: spec.enabled,
    schedule: spec.type === 'schedule' ? spec.schedule : null,
  });

/** After a write: a new or changed schedule counts its next fire from now. */
async function reschedule(
  store: TriggerStore,
  rules: TriggerRules,
  clock: Clock,
  record: TriggerRecord,
  previous: TriggerRecord | null,
): Promise<void> {
  if (previous && scheduleKey(previous.spec) === scheduleKey(record.spec)) return;
  await store.reschedule(record.id, rules.nextFire(record.spec, clock.now()));
}

/** Creates or updates a trigger to match a manifest, rescheduling it when its schedule changed. */
export async function reconcileTrigger(
  stores: RegistryStores,
  ctx: { clock: Clock; ids: IdGenerator; rules: TriggerRules },
  write: SpecWrite<TriggerSpec>,
): Promise<{ action: ApplyAction; record: TriggerRecord }> {
  const previous = await stores.triggers.get(write.metadata.name);
  const result = await reconcileSpec(stores.triggers, ctx, NOUN, write);
  if (result.action !== 'unchanged')
    await reschedule(stores.triggers, ctx.rules, ctx.clock, result.record, previous);
  return result;
}

/**
 * Triggers (kind: Trigger): their specs here; their next fire and last fire in the store's
 * trigger state, which reads add as `status`.
 */
export class TriggerService extends SpecResourceService<TriggerSpec, Trigger> {
  readonly #transactions: RegistryTransactions;

  constructor(transactions: RegistryTransactions, clock: Clock, ids: IdGenerator, rules: TriggerRules) {
    super(transactions, clock, ids, {
      noun: NOUN,
      store: (stores) => stores.triggers,
      toResource: (record) => toTriggerResource(record),
      check: async (stores, write: SpecWrite<TriggerSpec>) => {
        const problems = [
          ...rules.check(write.spec, '/spec'),
          ...(await checkTriggerAgent(stores, write.spec, '/spec')),
        ];
        if (problems.length > 0)
          throw new AppError(
            'INVALID_REQUEST',
            `the trigger spec is invalid (${problems[0]?.pointer}: ${problems[0]?.detail})`,
            { fieldErrors: problems },
          );
      },
      afterWrite: (stores, record, previous) => reschedule(stores.triggers, rules, clock, record, previous),
    });
    this.#transactions = transactions;
  }

  override async list(tenantId: string, query: ListQuery, signal?: AbortSignal): Promise<Page<Trigger>> {
    const page = await super.list(tenantId, query, signal);
    return { ...page, items: await this.#withState(tenantId, page.items, signal) };
  }

  override async get(tenantId: string, name: string, signal?: AbortSignal): Promise<Trigger> {
    const [trigger] = await this.#withState(tenantId, [await super.get(tenantId, name, signal)], signal);
    return trigger as Trigger;
  }

  override async create(
    tenantId: string,
    write: SpecWrite<TriggerSpec>,
    signal?: AbortSignal,
  ): Promise<Trigger> {
    const [trigger] = await this.#withState(tenantId, [await super.create(tenantId, write, signal)], signal);
    return trigger as Trigger;
  }

  override async replace(
    tenantId: string,
    name: string,
    write: SpecWrite<TriggerSpec>,
    options: WriteOptions = {},
  ): Promise<Trigger> {
    const replaced = await super.replace(tenantId, name, write, options);
    const [trigger] = await this.#withState(tenantId, [replaced], options.signal);
    return trigger as Trigger;
  }

  /** The trigger's id and spec, or null if there is none by that name (for deliveries). */
  async record(tenantId: string, name: string, signal?: AbortSignal): Promise<TriggerRecord | null> {
    return this.#transactions.run(tenantId, (stores) => stores.triggers.get(name), signal);
  }

  async #withState(tenantId: string, triggers: Trigger[], signal?: AbortSignal): Promise<Trigger[]> {
    if (triggers.length === 0) return triggers;
    const states = await this.#transactions.run(
      tenantId,
      (stores) => stores.triggers.states(triggers.map((t) => t.metadata.uid)),
      signal,
    );
    return triggers.map((trigger) => {
      const state = states.get(trigger.metadata.uid);
      if (!state || !trigger.status) return trigger;
      return {
        ...trigger,
        status: {
          ...trigger.status,
          nextFireAt: iso(state.nextFireAt),
          lastFiredAt: iso(state.lastFiredAt),
          lastRunId: state.lastRunId,
          lastError: state.lastError,
          fires: state.fires,
        },
      };
    });
  }
}
