import type { AuditVerification } from '../contracts/index.ts';
import { auditContentHash, chainHash, GENESIS_HASH } from './chain.ts';
import type { AuditStore } from './ports.ts';

/** Records read per page: memory stays bounded however long the chain is. */
export const VERIFY_PAGE = 2000;

/**
 * Walks the chain up to the head as it was when verification began (later appends are left for
 * the next run) and stops at the first record that does not verify:
 * - `seq_gap`: its seq is not the previous one plus 1 (records before it are missing);
 * - `content_hash_mismatch`: its content no longer hashes to its `content_hash` (changed);
 * - `prev_hash_mismatch`: its `prev_hash` is not the previous record's `hash` (removed, reordered or inserted);
 * - `hash_mismatch`: its `hash` is not sha256_hex(prev_hash || content_hash);
 * - `head_mismatch`: the chain does not end at the stored head (records missing at the end, or the
 *   head or the last record rewritten); `id` is null when the record is missing.
 */
export async function verifyChain(
  store: AuditStore,
  tenantId: string,
  signal?: AbortSignal,
): Promise<AuditVerification> {
  const head = await store.head(tenantId, signal);
  if (!head) {
    // No head: the tenant never appended, unless someone removed the head row.
    const [stray] = await store.chain(tenantId, 0, Number.MAX_SAFE_INTEGER, 1, signal);
    if (!stray) return { ok: true, records: 0, head: null };
    return {
      ok: false,
      records: 0,
      head: null,
      first_broken: { seq: stray.seq, id: stray.id, reason: 'head_mismatch' },
    };
  }
  let records = 0;
  let prev = GENESIS_HASH;
  let lastId: string | null = null;
  let expectedSeq = 1;
  const broken = (
    seq: number,
    id: string | null,
    reason: NonNullable<AuditVerification['first_broken']>['reason'],
  ) => ({ ok: false, records, head, first_broken: { seq, id, reason } }) satisfies AuditVerification;
  while (expectedSeq <= head.seq) {
    const page = await store.chain(tenantId, expectedSeq - 1, head.seq, VERIFY_PAGE, signal);
    if (page.length === 0) break;
    for (const record of page) {
      if (record.seq !== expectedSeq) return broken(record.seq, record.id, 'seq_gap');
      if (auditContentHash(record) !== record.content_hash)
        return broken(record.seq, record.id, 'content_hash_mismatch');
      if (record.prev_hash !== prev) return broken(record.seq, record.id, 'prev_hash_mismatch');
      if (chainHash(prev, record.content_hash) !== record.hash)
        return broken(record.seq, record.id, 'hash_mismatch');
      prev = record.hash;
      lastId = record.id;
      records += 1;
      expectedSeq += 1;
    }
  }
  if (expectedSeq - 1 !== head.seq) return broken(expectedSeq, null, 'head_mismatch');
  if (prev !== head.hash) return broken(head.seq, lastId, 'head_mismatch');
  return { ok: true, records, head };
}
