import { describe, expect, it } from 'vitest';
import { type AuditEntry, AuditLog, type AuditStore, type PreparedAuditRecord } from '../audit/index.ts';
import { systemClock, uuidv7Ids } from '../core/index.ts';
import { AuditBatcher } from './audit-batcher.ts';

/**
 * The real AuditLog over a store that records the batches it was given (by actor); each append
 * takes a turn of the event loop, like a database call.
 */
function recordingLog(fail?: (records: readonly PreparedAuditRecord[]) => boolean) {
  const batches: string[][] = [];
  const store: Pick<AuditStore, 'append'> = {
    append: async (_tenant, records) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail?.(records)) throw new Error('refused');
      batches.push(records.map((r) => r.content.actor));
      return [];
    },
  };
  const log = new AuditLog(store as AuditStore, { mask: (v) => v, clock: systemClock, ids: uuidv7Ids });
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
    const { log, batches } = recordingLog((records) => records.some((r) => r.content.actor === 'bad'));
    const batcher = new AuditBatcher(log);
    const results = await Promise.allSettled(
      ['first', 'ok', 'bad', 'fine'].map((actor) => batcher.append('t1', [entry(actor)])),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(batches.flat().sort()).toEqual(['fine', 'first', 'ok']);
  });
});

describe('AuditBatcher limits', () => {
  it('writes a backlog in statements of at most maxBatch records, in order', async () => {
    const { log, batches } = recordingLog();
    const batcher = new AuditBatcher(log, 0, 2);
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((actor) => batcher.append('t1', [entry(actor)])));
    expect(batches).toEqual([['a'], ['b', 'c'], ['d', 'e'], ['f']]);
  });

  it('refuses an entry that is not JSON at once, and writes the others', async () => {
    const { log, batches } = recordingLog();
    const batcher = new AuditBatcher(log);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const results = await Promise.allSettled([
      batcher.append('t1', [entry('ok')]),
      batcher.append('t1', [{ ...entry('bad'), input: cyclic }]),
      batcher.append('t1', [entry('fine')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches.flat()).toEqual(['ok', 'fine']);
  });
});
