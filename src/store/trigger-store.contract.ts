import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TriggerSpec, TriggerSpecSchema } from '../contracts/index.ts';
import { uuidv7Ids } from '../core/index.ts';
import type { TriggerStore } from '../registry/index.ts';
import {
  type Database,
  type DB,
  inTenantTransaction,
  migrateToLatest,
  SqlRegistryTransactions,
  SqlScheduleStore,
  SqlTenantStore,
} from './index.ts';

const EVERY_MINUTE: TriggerSpec = TriggerSpecSchema.parse({
  type: 'schedule',
  agent: 'reporter',
  schedule: { cron: '* * * * *' },
  input: { report: 'daily' },
});

const at = (iso: string) => new Date(iso);
const T0 = at('2026-05-01T10:00:00.000Z');
const LEASE_MS = 60_000;

/**
 * The conformance suite of the trigger stores (the registry's TriggerStore and the scheduler's
 * ScheduleStore) over PGlite and PostgreSQL. Claims span tenants, so each test deletes its tenants
 * when it ends: no due row of one test is left for the next to claim.
 */
export function describeTriggerStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`trigger store contract: ${name}`, () => {
    let database: Database;
    let db: Kysely<DB>;
    let tenants: SqlTenantStore;
    let registry: SqlRegistryTransactions;
    let schedules: SqlScheduleStore;
    const created: string[] = [];

    beforeAll(async () => {
      database = await open();
      db = database.db;
      await migrateToLatest(db, database.schema);
      tenants = new SqlTenantStore(db, database.schema);
      registry = new SqlRegistryTransactions(db, database.schema);
      schedules = new SqlScheduleStore(db);
    });

    afterEach(async () => {
      for (const id of created.splice(0)) await tenants.delete(id);
    });

    afterAll(async () => {
      await database?.close();
    });

    const freshTenant = async (): Promise<string> => {
      const tenantName = `tenant${randomBytes(6).toString('hex')}`;
      const tenant = await tenants.insert({
        id: uuidv7Ids.next(),
        name: tenantName,
        displayName: tenantName,
        createdAt: new Date(),
      });
      created.push(tenant.id);
      return tenant.id;
    };

    const inTriggers = <T>(tenantId: string, fn: (triggers: TriggerStore) => Promise<T>): Promise<T> =>
      registry.run(tenantId, ({ triggers }) => fn(triggers));

    /** A schedule trigger of the tenant due at `nextFireAt`; returns its id. */
    const scheduled = async (tenantId: string, triggerName: string, nextFireAt: Date | null) =>
      inTriggers(tenantId, async (triggers) => {
        const record = await triggers.insert({
          id: uuidv7Ids.next(),
          name: triggerName,
          labels: {},
          annotations: {},
          spec: EVERY_MINUTE,
          specHash: 'hash',
          createdAt: new Date(),
        });
        await triggers.reschedule(record.id, nextFireAt);
        return record.id;
      });

    it('claims a due schedule with its trigger, and nothing more while the lease lives', async () => {
      const tenantId = await freshTenant();
      const id = await scheduled(tenantId, 'nightly', T0);

      expect(await schedules.claimDue('a', at('2026-05-01T09:59:59Z'), LEASE_MS)).toBeNull();
      const claim = await schedules.claimDue('a', T0, LEASE_MS);
      expect(claim).toEqual({ tenantId, triggerId: id, name: 'nightly', spec: EVERY_MINUTE, dueAt: T0 });
      expect(await schedules.claimDue('b', at('2026-05-01T10:00:30Z'), LEASE_MS)).toBeNull();
    });

    it('lets exactly one of two concurrent claims win', async () => {
      const tenantId = await freshTenant();
      await scheduled(tenantId, 'only', T0);

      const claims = await Promise.all([
        schedules.claimDue('a', T0, LEASE_MS),
        schedules.claimDue('b', T0, LEASE_MS),
      ]);
      expect(claims.filter((claim) => claim !== null)).toHaveLength(1);
    });

    it('hands an expired lease to the next claimer, and then ignores the first claimer', async () => {
      const tenantId = await freshTenant();
      await scheduled(tenantId, 'flaky', T0);
      const first = await schedules.claimDue('a', T0, LEASE_MS);
      const later = new Date(T0.getTime() + LEASE_MS);
      const second = await schedules.claimDue('b', later, LEASE_MS);

      expect(second?.dueAt).toEqual(T0);
      const fire = { at: later, runId: 'run-1', error: null, nextFireAt: at('2026-05-01T10:02:00Z') };
      expect(await schedules.finish(first as NonNullable<typeof first>, 'a', fire)).toBe(false);
      expect(await schedules.finish(second as NonNullable<typeof second>, 'b', fire)).toBe(true);
    });

    it('moves the next fire, records the fire and releases the lease on finish', async () => {
      const tenantId = await freshTenant();
      const id = await scheduled(tenantId, 'hourly', T0);
      const claim = await schedules.claimDue('a', at('2026-05-01T10:30:00Z'), LEASE_MS);
      const next = at('2026-05-01T11:00:00Z');

      expect(
        await schedules.finish(claim as NonNullable<typeof claim>, 'a', {
          at: at('2026-05-01T10:30:00Z'),
          runId: 'run-1',
          error: null,
          nextFireAt: next,
        }),
      ).toBe(true);
      const state = (await inTriggers(tenantId, (triggers) => triggers.states([id]))).get(id);
      expect(state).toEqual({
        nextFireAt: next,
        lastFiredAt: at('2026-05-01T10:30:00Z'),
        lastRunId: 'run-1',
        lastError: null,
        fires: 1,
      });
      expect(await schedules.claimDue('a', at('2026-05-01T10:59:59Z'), LEASE_MS)).toBeNull();
      expect((await schedules.claimDue('b', next, LEASE_MS))?.triggerId).toBe(id);
    });

    it('keeps a reschedule made during a fire over the next fire the fire computed', async () => {
      const tenantId = await freshTenant();
      const id = await scheduled(tenantId, 'edited', T0);
      const claim = await schedules.claimDue('a', T0, LEASE_MS);
      const rescheduled = at('2026-05-02T08:00:00Z');
      await inTriggers(tenantId, (triggers) => triggers.reschedule(id, rescheduled));

      await schedules.finish(claim as NonNullable<typeof claim>, 'a', {
        at: T0,
        runId: 'run-1',
        error: null,
        nextFireAt: at('2026-05-01T10:01:00Z'),
      });
      const state = (await inTriggers(tenantId, (triggers) => triggers.states([id]))).get(id);
      expect(state?.nextFireAt).toEqual(rescheduled);
      expect(state?.lastRunId).toBe('run-1');
    });

    it('never claims a trigger without a next fire (a webhook, a disabled schedule)', async () => {
      const tenantId = await freshTenant();
      await scheduled(tenantId, 'off', null);
      expect(await schedules.claimDue('a', at('2100-01-01T00:00:00Z'), LEASE_MS)).toBeNull();
    });

    it('counts recorded fires, keeps the last one, and ignores a deleted trigger', async () => {
      const tenantId = await freshTenant();
      const id = await scheduled(tenantId, 'hook', null);
      await schedules.recordFire(tenantId, id, { at: T0, runId: 'run-1', error: null });
      await schedules.recordFire(tenantId, id, { at: at('2026-05-01T10:05:00Z'), runId: null, error: 'no' });
      const state = (await inTriggers(tenantId, (triggers) => triggers.states([id]))).get(id);
      expect(state).toMatchObject({ lastRunId: null, lastError: 'no', fires: 2, nextFireAt: null });

      await inTriggers(tenantId, async (triggers) => {
        const record = await triggers.get('hook');
        await triggers.delete(record?.id ?? '');
      });
      await schedules.recordFire(tenantId, id, { at: T0, runId: 'run-2', error: null });
      expect((await inTriggers(tenantId, (triggers) => triggers.states([id]))).size).toBe(0);
    });

    it("hides another tenant's trigger state (row-level security)", async () => {
      const [mine, theirs] = [await freshTenant(), await freshTenant()];
      const theirId = await scheduled(theirs, 'secret', T0);
      const seen = await inTenantTransaction(db, mine, (trx) =>
        sql<{
          count: string;
        }>`select count(*)::text as count from trigger_state where trigger_id = ${theirId}`.execute(trx),
      );
      expect(seen.rows[0]?.count).toBe('0');
      expect((await inTriggers(mine, (triggers) => triggers.states([theirId]))).size).toBe(0);
    });
  });
}
