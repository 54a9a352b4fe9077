import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStatus } from '../contracts/index.ts';
import { uuidv7Ids } from '../core/index.ts';
import {
  type DatasetScan,
  FEEDBACK_RUN_STATUSES,
  type FeedbackDraft,
  type FeedbackScore,
} from '../feedback/index.ts';
import {
  type Database,
  inTenantTransaction,
  migrateToLatest,
  SqlFeedbackStore,
  SqlTenantStore,
} from './index.ts';

const T0 = new Date('2026-11-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/**
 * The conformance suite of FeedbackStore over PGlite and PostgreSQL. Each test makes its own
 * tenant; runs, agents and session messages are written as rows, as the orchestrator leaves them.
 */
export function describeFeedbackStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`feedback store contract: ${name}`, () => {
    let database: Database;
    let store: SqlFeedbackStore;

    beforeAll(async () => {
      database = await open();
      await migrateToLatest(database.db, database.schema);
      store = new SqlFeedbackStore(database.db, uuidv7Ids);
    });

    afterAll(async () => {
      await database?.close();
    });

    async function freshTenant(): Promise<string> {
      const id = `t-${uuidv7Ids.next()}`;
      await new SqlTenantStore(database.db, database.schema).insert({
        id,
        name: id,
        displayName: id,
        createdAt: new Date(),
      });
      return id;
    }

    /** An agent with one version whose system prompt and memory are given. */
    async function agent(tenantId: string, name: string, spec: object): Promise<void> {
      const agentId = uuidv7Ids.next();
      await inTenantTransaction(database.db, tenantId, async (trx) => {
        await trx
          .insertInto('agents')
          .values({
            id: agentId,
            tenant_id: tenantId,
            name,
            labels: '{}',
            annotations: '{}',
            active_version: 1,
            latest_version: 1,
            resource_version: 1,
            created_at: T0,
            updated_at: T0,
          })
          .execute();
        await trx
          .insertInto('agent_versions')
          .values({
            tenant_id: tenantId,
            agent_id: agentId,
            version: 1,
            status: 'published',
            spec: JSON.stringify(spec),
            spec_hash: 'h',
            created_at: T0,
          })
          .execute();
      });
    }

    async function run(
      tenantId: string,
      options: {
        agent?: string;
        status?: RunStatus;
        input?: unknown;
        /** The answer (JSON); `'none'` leaves the column NULL, as a run that never answered. */
        output?: unknown;
        sessionId?: string;
        startedAt?: Date;
      } = {},
    ): Promise<string> {
      const id = uuidv7Ids.next();
      await inTenantTransaction(database.db, tenantId, async (trx) => {
        if (options.sessionId)
          await trx
            .insertInto('sessions')
            .values({
              id: options.sessionId,
              tenant_id: tenantId,
              metadata: '{}',
              created_at: T0,
              updated_at: T0,
            })
            .onConflict((conflict) => conflict.doNothing())
            .execute();
        await trx
          .insertInto('runs')
          .values({
            id,
            tenant_id: tenantId,
            agent_name: options.agent ?? 'triage',
            agent_version: 1,
            session_id: options.sessionId ?? null,
            status: options.status ?? 'completed',
            input: JSON.stringify(options.input ?? 'what is 10.0.0.5?'),
            output:
              options.output === 'none'
                ? null
                : JSON.stringify(options.output === undefined ? 'an internal host' : options.output),
            metadata: '{}',
            created_by: 'alice',
            trace_id: 'trace',
            created_at: options.startedAt ?? at(1),
            started_at: options.startedAt ?? at(1),
          })
          .execute();
      });
      return id;
    }

    const draft = (runId: string, overrides: Partial<FeedbackDraft> = {}): FeedbackDraft => ({
      runId,
      principal: 'alice',
      score: 1,
      correction: null,
      category: null,
      at: at(10),
      ...overrides,
    });

    async function give(tenantId: string, d: FeedbackDraft) {
      const result = await store.upsert(tenantId, d, FEEDBACK_RUN_STATUSES);
      if (result.outcome !== 'created' && result.outcome !== 'replaced')
        throw new Error(`feedback not written: ${JSON.stringify(result)}`);
      return result;
    }

    const scan = (overrides: Partial<DatasetScan> = {}): DatasetScan => ({
      format: 'dpo',
      limit: 100,
      ...overrides,
    });

    it('creates feedback, then replaces it in place: same id and created_at, new fields', async () => {
      const tenant = await freshTenant();
      const runId = await run(tenant);
      const first = await give(
        tenant,
        draft(runId, { score: -1, correction: 'block it', category: 'wrong_action' }),
      );
      expect(first.outcome).toBe('created');
      expect(first.feedback).toMatchObject({ runId, agent: 'triage', principal: 'alice', score: -1 });

      const second = await give(tenant, draft(runId, { score: 1, at: at(20) }));
      expect(second.outcome).toBe('replaced');
      expect(second.feedback.id).toBe(first.feedback.id);
      expect(second.feedback.createdAt.toISOString()).toBe(at(10).toISOString());
      expect(second.feedback.updatedAt.toISOString()).toBe(at(20).toISOString());
      expect(second.feedback).toMatchObject({ score: 1, correction: null, category: null });
      expect(await store.list(tenant, runId)).toHaveLength(1);
    });

    it('keeps one feedback per principal, listed oldest first', async () => {
      const tenant = await freshTenant();
      const runId = await run(tenant);
      await give(tenant, draft(runId, { principal: 'bob', at: at(5) }));
      await give(tenant, draft(runId, { principal: 'alice', score: -1, at: at(6) }));
      await give(tenant, draft(runId, { principal: 'bob', score: -1, at: at(7) }));
      const listed = await store.list(tenant, runId);
      expect(listed?.map((f) => [f.principal, f.score])).toEqual([
        ['bob', -1],
        ['alice', -1],
      ]);
    });

    it('lets exactly one of two concurrent first posts by one principal create, the other replace', async () => {
      const tenant = await freshTenant();
      const runId = await run(tenant);
      const outcomes = await Promise.all([
        give(tenant, draft(runId, { score: 1 })),
        give(tenant, draft(runId, { score: -1 })),
      ]);
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['created', 'replaced']);
      expect(await store.list(tenant, runId)).toHaveLength(1);
    });

    it('sees no run of another tenant: run_not_found, null list, nothing to remove', async () => {
      const owner = await freshTenant();
      const other = await freshTenant();
      const runId = await run(owner);
      await give(owner, draft(runId));
      expect(await store.upsert(other, draft(runId), FEEDBACK_RUN_STATUSES)).toEqual({
        outcome: 'run_not_found',
      });
      expect(await store.list(other, runId)).toBeNull();
      expect(await store.remove(other, runId, 'alice')).toBeNull();
      expect(await store.list(owner, runId)).toHaveLength(1);
    });

    it('refuses a run whose status is not accepted, writing nothing', async () => {
      const tenant = await freshTenant();
      const runId = await run(tenant, { status: 'running', output: 'none' });
      expect(await store.upsert(tenant, draft(runId), FEEDBACK_RUN_STATUSES)).toEqual({
        outcome: 'run_not_ready',
        status: 'running',
      });
      expect(await store.list(tenant, runId)).toEqual([]);
    });

    it("removes only the principal's own feedback and returns it", async () => {
      const tenant = await freshTenant();
      const runId = await run(tenant);
      await give(tenant, draft(runId, { principal: 'alice' }));
      await give(tenant, draft(runId, { principal: 'bob' }));
      const removed = await store.remove(tenant, runId, 'alice');
      expect(removed).toMatchObject({ principal: 'alice', runId, agent: 'triage' });
      expect(await store.remove(tenant, runId, 'alice')).toBeNull();
      expect((await store.list(tenant, runId))?.map((f) => f.principal)).toEqual(['bob']);
    });

    it('scans dpo rows: corrections on ended runs with an output, with the spec of the version run', async () => {
      const tenant = await freshTenant();
      await agent(tenant, 'triage', {
        systemPrompt: 'You triage alerts.',
        model: { backend: 'b', name: 'm' },
      });
      const corrected = await run(tenant, { input: 'ip 10.0.0.5?' });
      const plain = await run(tenant);
      const paused = await run(tenant, { status: 'paused', output: 'none' });
      const noOutput = await run(tenant, { status: 'failed', output: 'none' });
      const nullOutput = await run(tenant, { status: 'completed', output: null });
      await give(tenant, draft(corrected, { score: -1, correction: 'internal host, do not block' }));
      await give(tenant, draft(plain, { score: -1 }));
      await give(tenant, draft(paused, { score: -1, correction: 'wait' }));
      await give(tenant, draft(noOutput, { score: -1, correction: 'retry' }));
      await give(tenant, draft(nullOutput, { score: -1, correction: 'say something' }));

      const rows = await store.scan(tenant, scan());
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        runId: corrected,
        agent: 'triage',
        agentVersion: 1,
        score: -1,
        correction: 'internal host, do not block',
        input: 'ip 10.0.0.5?',
        output: 'an internal host',
        sessionId: null,
      });
      expect(rows[0]?.spec).toMatchObject({ systemPrompt: 'You triage alerts.' });
    });

    it('scans sft rows: corrections, and the first upvote of runs nobody downvoted', async () => {
      const tenant = await freshTenant();
      const liked = await run(tenant);
      const contested = await run(tenant);
      const corrected = await run(tenant, { status: 'failed', output: 'none' });
      const silent = await run(tenant, { output: null });
      await give(tenant, draft(liked, { principal: 'alice', score: 1 }));
      await give(tenant, draft(liked, { principal: 'bob', score: 1 }));
      await give(tenant, draft(contested, { principal: 'alice', score: 1 }));
      await give(tenant, draft(contested, { principal: 'bob', score: -1 }));
      await give(tenant, draft(corrected, { principal: 'carol', score: -1, correction: 'say it plainly' }));
      await give(tenant, draft(silent, { principal: 'carol', score: 1 }));

      const rows = await store.scan(tenant, scan({ format: 'sft' }));
      expect(rows.map((row) => [row.runId, row.correction])).toEqual([
        [liked, null],
        [corrected, 'say it plainly'],
      ]);
      expect(rows[0]?.spec).toBeNull();
    });

    it('pages in feedback id order and filters by agent and by the time of the last change', async () => {
      const tenant = await freshTenant();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const runId = await run(tenant, { agent: i === 4 ? 'other' : 'triage' });
        await give(tenant, draft(runId, { score: -1, correction: `fix ${i}`, at: at(10 + i) }));
        ids.push(runId);
      }
      const first = await store.scan(tenant, scan({ limit: 2 }));
      expect(first.map((row) => row.runId)).toEqual(ids.slice(0, 2));
      const second = await store.scan(tenant, scan({ limit: 2, afterId: first[1]?.feedbackId }));
      expect(second.map((row) => row.runId)).toEqual(ids.slice(2, 4));

      expect((await store.scan(tenant, scan({ agent: 'other' }))).map((row) => row.runId)).toEqual([ids[4]]);
      const window = await store.scan(tenant, scan({ from: at(11), to: at(13) }));
      expect(window.map((row) => row.runId)).toEqual(ids.slice(1, 3));
    });

    it('reads the session turns a run saw: earlier ones, not its own, the newest up to the limit', async () => {
      const tenant = await freshTenant();
      const session = `s-${uuidv7Ids.next()}`;
      const earlier = await run(tenant, { sessionId: session, startedAt: at(1) });
      const later = await run(tenant, { sessionId: session, startedAt: at(30) });
      await inTenantTransaction(database.db, tenant, (trx) =>
        trx
          .insertInto('session_messages')
          .values(
            [
              { seq: 1, role: 'user', content: 'first question', run_id: earlier, created_at: at(2) },
              { seq: 2, role: 'assistant', content: 'first answer', run_id: earlier, created_at: at(2) },
              { seq: 3, role: 'user', content: 'second question', run_id: later, created_at: at(31) },
              { seq: 4, role: 'user', content: 'after the run', run_id: null, created_at: at(40) },
            ].map((m) => ({
              ...m,
              tenant_id: tenant,
              session_id: session,
              content: JSON.stringify(m.content),
            })),
          )
          .execute(),
      );
      const histories = await store.histories(tenant, [
        { runId: later, sessionId: session, before: at(30), limit: 20 },
        { runId: earlier, sessionId: session, before: at(1), limit: 20 },
      ]);
      expect(histories.get(later)).toEqual([
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
      ]);
      expect(histories.get(earlier)).toEqual([]);
      const limited = await store.histories(tenant, [
        { runId: later, sessionId: session, before: at(30), limit: 1 },
      ]);
      expect(limited.get(later)).toEqual([{ role: 'assistant', content: 'first answer' }]);
    });

    it('stores only scores 1 and -1', async () => {
      const tenant = await freshTenant();
      const runId = await run(tenant);
      await expect(give(tenant, draft(runId, { score: 0 as FeedbackScore }))).rejects.toThrow();
      expect(await store.list(tenant, runId)).toEqual([]);
    });
  });
}
