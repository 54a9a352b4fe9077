import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord, Run, Trigger } from '../../src/contracts/index.ts';
import type { Clock } from '../../src/core/index.ts';
import { type Platform, startPlatform } from '../../src/main.ts';
import { TEST_DATABASE_URL } from '../support/env.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { echoAgent, waitUntil } from '../support/runs.ts';

/**
 * Schedule triggers against a clock the test moves: a trigger fires on its tick; after downtime
 * (the platform stopped while ticks passed) the missed window fires once and the schedule goes on
 * from now; two platforms on one store never both fire a tick.
 */
const FIVE_MINUTES = 5 * 60_000;

/** A clock standing still until the test moves it; it starts 30 s after a tick, hours ago. */
class ManualClock implements Clock {
  time: number;
  constructor() {
    // In the past, so the runs it stamps are due for the run workers (they use the database's now).
    this.time = Math.floor((Date.now() - 3 * 3_600_000) / FIVE_MINUTES) * FIVE_MINUTES + 30_000;
  }
  now(): Date {
    return new Date(this.time);
  }
  /** The first five-minute tick after now. */
  nextTick(): number {
    return Math.floor(this.time / FIVE_MINUTES) * FIVE_MINUTES + FIVE_MINUTES;
  }
}

const iso = (time: number) => new Date(time).toISOString();

/** JSON over HTTP with the admin key, against any platform URL (a restarted one included). */
async function api<T>(url: string, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.status, text).toBeLessThan(300);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function setUp(url: string, key: string, agent: string, trigger: string): Promise<Trigger> {
  await api(url, key, 'POST', '/api/v1/agents?publish=true', echoAgent(agent));
  return api<Trigger>(url, key, 'POST', '/api/v1/triggers', {
    metadata: { name: trigger },
    spec: { type: 'schedule', agent, schedule: { cron: '*/5 * * * *' }, input: { text: 'daily report' } },
  });
}

const runsOf = async (url: string, key: string, agent: string) =>
  (await api<{ items: Run[] }>(url, key, 'GET', `/api/v1/runs?agent=${agent}&limit=500`)).items;

/** Waits until the trigger has nothing due: its next fire lies after the clock's now. */
function settled(url: string, key: string, name: string, clock: ManualClock): Promise<Trigger> {
  return waitUntil(
    () => api<Trigger>(url, key, 'GET', `/api/v1/triggers/${name}`),
    (t) => (t.status?.fires ?? 0) > 0 && Date.parse(t.status?.nextFireAt ?? '') > clock.time,
    (t) => `trigger ${name}: ${JSON.stringify(t.status)} at ${iso(clock.time)}`,
  );
}

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  // Extra platforms first: they share the test platform's store.
  for (const platform of opened.splice(0).reverse()) await platform.close();
});
afterAll(async () => {
  for (const platform of opened.splice(0).reverse()) await platform.close();
});

async function testPlatform(clock: ManualClock): Promise<TestPlatform> {
  const t = await startTestPlatform({ triggerPollMs: 20 }, { clock });
  opened.push(t);
  return t;
}

describe('schedule triggers', { timeout: 90_000 }, () => {
  it('fires on its tick with its input, created by the trigger, then waits for the next tick', async () => {
    const clock = new ManualClock();
    const t = await testPlatform(clock);
    const tick = clock.nextTick();
    const created = await setUp(t.url, t.adminKey, 'reporter', 'every-five');
    expect(created.status).toMatchObject({ nextFireAt: iso(tick), fires: 0, hookPath: null });

    clock.time = tick;
    const fired = await settled(t.url, t.adminKey, 'every-five', clock);
    expect(fired.status?.nextFireAt).toBe(iso(tick + FIVE_MINUTES));
    const runs = await runsOf(t.url, t.adminKey, 'reporter');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      created_by: 'trigger:every-five',
      input: { text: 'daily report' },
      metadata: { trigger: 'every-five', scheduled_at: iso(tick) },
    });
    expect(fired.status?.lastRunId).toBe(runs[0]?.id);
  });

  it('fires a window missed while the platform was down once, then goes on from now', async () => {
    const clock = new ManualClock();
    const t = await testPlatform(clock);
    const firstMissed = clock.nextTick();
    await setUp(t.url, t.adminKey, 'reporter', 'nightly');
    await t.platform.close();

    // An hour of downtime: twelve ticks pass with no scheduler running.
    clock.time += 3_600_000;
    const restarted: Platform = await startPlatform(t.platform.config, { clock });
    opened.push(restarted);
    const fired = await settled(restarted.url, t.adminKey, 'nightly', clock);

    expect(fired.status?.fires).toBe(1);
    expect(fired.status?.nextFireAt).toBe(iso(clock.nextTick()));
    const runs = await runsOf(restarted.url, t.adminKey, 'reporter');
    expect(runs.map((run) => run.metadata.scheduled_at)).toEqual([iso(firstMissed)]);
  });

  it.skipIf(!TEST_DATABASE_URL)('fires a tick once when two platforms share the store', async () => {
    const clock = new ManualClock();
    const t = await testPlatform(clock);
    const other = await startPlatform({ ...t.platform.config, port: 0 }, { clock });
    opened.push(other);
    const tick = clock.nextTick();
    await setUp(t.url, t.adminKey, 'reporter', 'shared');

    clock.time = tick;
    const fired = await settled(other.url, t.adminKey, 'shared', clock);
    expect(fired.status?.fires).toBe(1);
    const audit = await api<{ items: AuditRecord[] }>(
      t.url,
      t.adminKey,
      'GET',
      '/api/v1/audit?action=trigger_fire&actor=trigger:shared',
    );
    expect(audit.items.map((record) => record.decision)).toEqual(['started']);
    expect(await runsOf(t.url, t.adminKey, 'reporter')).toHaveLength(1);
  });
});
