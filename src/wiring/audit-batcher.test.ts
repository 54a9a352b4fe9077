import { describe, expect, it } from 'vitest';
import type { AuditEntry, AuditLog } from '../audit/index.ts';
import { AuditBatcher } from './audit-batcher.ts';

/** Records the batches it was given; each append takes a turn of the event loop, like a database call. */
function recordingLog(fail?: (entries: readonly AuditEntry[]) => boolean) {
  const batches: string[][] = [];
  const log = {
    appendBatch: async (_tenant: string, entries: readonly AuditEntry[]) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail?.(entries)) throw new Error('refused');
      batches.push(entries.map((e) => e.actor));
      return [];
    },
  } as unknown as AuditLog;
  return { log, batches };
}

const entry = (actor: string): AuditEntry => ({ actorType: 'agent', actor, action: 'tool_call' });

describe('AuditBatcher', () => {
  it('sends what arrives while an append is in flight as one batch, in order', async () => {
    const { log, batches } = recordingLog();
    const batcher = new AuditBatcher(log);
    await Promise.all(['a', 'b', 'c', 'd'].map((actor) => batcher.append('t1', [entry(actor)])));
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('lingers to gather records into one batch, and drains at once when asked', async () => {
    const { log, batches } = recordingLog();
    // An hour's linger: if drain did not cut it short, the test would time out.
    const batcher = new AuditBatcher(log, 3_600_000);
    const appended = ['a', 'b', 'c'].map((actor) => batcher.append('t1', [entry(actor)]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toEqual([]);

    await batcher.drain();
    await Promise.all(appended);
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('keeps tenants apart', async () => {
    const { log, batches } = recordingLog();
    const batcher = new AuditBatcher(log);
    await Promise.all([batcher.append('t1', [entry('x')]), batcher.append('t2', [entry('y')])]);
    expect(batches.sort()).toEqual([['x'], ['y']]);
  });

  it('fails only the caller whose entries were refused', async () => {
    const { log, batches } = recordingLog((entries) => entries.some((e) => e.actor === 'bad'));
    const batcher = new AuditBatcher(log);
    const results = await Promise.allSettled(
      ['first', 'ok', 'bad', 'fine'].map((actor) => batcher.append('t1', [entry(actor)])),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(batches.flat().sort()).toEqual(['fine', 'first', 'ok']);
  });
});
