import { describe, expect, it } from 'vitest';
import type { TriggerSpec } from '../contracts/index.ts';
import { checkTriggerSpec, nextFireOf } from './rules.ts';
import { nextTick, scheduleProblems } from './schedule.ts';
import { signBody, verifyHmac, verifyToken } from './signature.ts';

const at = (iso: string) => new Date(iso);
const schedule = (cron: string, extra: Partial<TriggerSpec> = {}): TriggerSpec =>
  ({
    type: 'schedule',
    agent: 'a',
    enabled: true,
    schedule: { cron, timezone: 'UTC' },
    ...extra,
  }) as TriggerSpec;

describe('next fire of a schedule', () => {
  it('is the first tick strictly after the given time', () => {
    const every5 = { cron: '*/5 * * * *', timezone: 'UTC' };
    expect(nextTick(every5, at('2026-03-01T10:03:00Z'))).toEqual(at('2026-03-01T10:05:00Z'));
    expect(nextTick(every5, at('2026-03-01T10:05:00Z'))).toEqual(at('2026-03-01T10:10:00Z'));
  });

  it('counts from now after downtime: the missed ticks are not replayed', () => {
    // Down from 10:02 to 11:31: 18 ticks missed; the next fire is the first after now.
    expect(nextFireOf(schedule('*/5 * * * *'), at('2026-03-01T11:31:00Z'))).toEqual(
      at('2026-03-01T11:35:00Z'),
    );
  });

  it('supports a seconds field and reads the expression in its time zone', () => {
    expect(nextTick({ cron: '*/10 * * * * *', timezone: 'UTC' }, at('2026-03-01T10:00:01Z'))).toEqual(
      at('2026-03-01T10:00:10Z'),
    );
    // 09:00 in Paris is 08:00 UTC in winter.
    expect(nextTick({ cron: '0 9 * * *', timezone: 'Europe/Paris' }, at('2026-01-10T00:00:00Z'))).toEqual(
      at('2026-01-10T08:00:00Z'),
    );
  });

  it('is null for webhooks and disabled schedules', () => {
    expect(nextFireOf(schedule('* * * * *', { enabled: false }), at('2026-03-01T10:00:00Z'))).toBeNull();
    const webhook = { type: 'webhook', agent: 'a', enabled: true, auth: {} } as TriggerSpec;
    expect(nextFireOf(webhook, at('2026-03-01T10:00:00Z'))).toBeNull();
  });
});

describe('schedule checks', () => {
  const now = at('2026-03-01T10:00:00Z');

  it('accepts a usable expression', () => {
    expect(scheduleProblems({ cron: '0 */2 * * 1-5', timezone: 'America/New_York' }, now)).toEqual([]);
  });

  it('points at the cron of an expression that does not parse or never fires', () => {
    expect(checkTriggerSpec(schedule('61 * * * *'), '/spec', now)).toEqual([
      { pointer: '/spec/schedule/cron', detail: expect.stringContaining('not a cron expression') },
    ]);
    expect(checkTriggerSpec(schedule('every five minutes'), '/items/2/spec', now)[0]?.pointer).toBe(
      '/items/2/spec/schedule/cron',
    );
    expect(checkTriggerSpec(schedule('0 0 30 2 *'), '/spec', now)).toEqual([
      { pointer: '/spec/schedule/cron', detail: 'the expression never fires' },
    ]);
  });

  it('points at the time zone when it is not an IANA one', () => {
    expect(scheduleProblems({ cron: '* * * * *', timezone: 'Mars/Olympus' }, now)).toEqual([
      { field: 'timezone', detail: expect.stringContaining('not an IANA time zone') },
    ]);
  });
});

describe('webhook signatures', () => {
  const body = Buffer.from('{"alert_id":"A-1"}');

  it('accepts the HMAC-SHA256 of the exact body, with or without the sha256= prefix', () => {
    const signature = signBody('s3cret', body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyHmac('s3cret', body, signature)).toBe(true);
    expect(verifyHmac('s3cret', body, signature.slice('sha256='.length))).toBe(true);
  });

  it('refuses another key, another body, a malformed or a missing signature', () => {
    const signature = signBody('s3cret', body);
    expect(verifyHmac('other', body, signature)).toBe(false);
    expect(verifyHmac('s3cret', Buffer.from('{"alert_id":"A-1" }'), signature)).toBe(false);
    expect(verifyHmac('s3cret', body, 'sha256=abc')).toBe(false);
    expect(verifyHmac('s3cret', body, undefined)).toBe(false);
  });

  it('checks tokens as Bearer in Authorization and bare elsewhere', () => {
    expect(verifyToken('tok', 'Bearer tok', true)).toBe(true);
    expect(verifyToken('tok', 'tok', true)).toBe(false);
    expect(verifyToken('tok', 'Bearer token', true)).toBe(false);
    expect(verifyToken('tok', 'tok', false)).toBe(true);
    expect(verifyToken('tok', undefined, false)).toBe(false);
  });
});
