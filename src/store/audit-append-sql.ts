import { type Kysely, sql } from 'kysely';
import type { PreparedAuditRecord } from '../audit/index.ts';
import { writeJson } from './json-columns.ts';
import { preparedAs } from './prepared-statements.ts';
import type { DB } from './schema.ts';

export interface AuditRow {
  tenant_id: string;
  seq: string | number;
  id: string;
  time: Date;
  actor_type: string;
  actor: string;
  run_id: string | null;
  trace_id: string | null;
  user_id: string | null;
  action: string;
  tool: string | null;
  decision: string | null;
  rule: string | null;
  input: unknown;
  output: unknown;
  metadata: unknown;
  content_hash: string;
  prev_hash: string;
  hash: string;
}

/** A chain head: the last record's seq and hash (seq 0 and the genesis hash before the first). */
export interface HeadRow {
  seq: number;
  hash: string;
}

/** Where an appended record landed in the chain; the rest of it is what the caller sent. */
export interface ChainLink {
  seq: number;
  prev_hash: string;
  hash: string;
}

/**
 * Appends a batch in ONE statement (one round trip, one commit) as a compare-and-set on the
 * tenant's head: `moved` advances audit_heads from `head` to the batch's last link only if the head
 * is still `head`, and the records (chained by the caller: `links`) are inserted only if it moved.
 * A concurrent appender that moved the head first makes this a no-op (false): read the head again
 * and re-chain. The head row's lock, held only while the statement runs, orders appenders of the
 * tenant across processes. Runs as the platform, like the worker's step writes: the tenant is the
 * caller's, never the request's. Columns travel as arrays (`unnest`), the cheapest bulk insert.
 */
export async function appendAtHead(
  db: Kysely<DB>,
  tenantId: string,
  head: HeadRow,
  records: readonly PreparedAuditRecord[],
  links: readonly ChainLink[],
): Promise<boolean> {
  const column = <T>(pick: (record: PreparedAuditRecord, index: number) => T): T[] => records.map(pick);
  const json = (value: unknown) => (value === null ? null : writeJson(value));
  const last = links[links.length - 1] as ChainLink;
  const result = await sql`${preparedAs('audit_append_at_head')}
    with moved as (
      update audit_heads set seq = ${last.seq}, hash = ${last.hash}, updated_at = now()
      where tenant_id = ${tenantId} and seq = ${head.seq} and hash = ${head.hash}
      returning 1)
    insert into audit_records (tenant_id, seq, id, time, actor_type, actor, run_id, trace_id, user_id,
      action, tool, decision, rule, input, output, metadata, content_hash, prev_hash, hash)
    select ${tenantId}, r.* from unnest(
      ${links.map((link) => link.seq)}::bigint[], ${column((r) => r.content.id)}::text[],
      ${column((r) => r.content.time)}::timestamptz[], ${column((r) => r.content.actor_type)}::text[],
      ${column((r) => r.content.actor)}::text[], ${column((r) => r.content.run_id)}::text[],
      ${column((r) => r.content.trace_id)}::text[], ${column((r) => r.content.user_id)}::text[],
      ${column((r) => r.content.action)}::text[], ${column((r) => r.content.tool)}::text[],
      ${column((r) => r.content.decision)}::text[], ${column((r) => r.content.rule)}::text[],
      ${column((r) => json(r.content.input))}::jsonb[], ${column((r) => json(r.content.output))}::jsonb[],
      ${column((r) => writeJson(r.content.metadata))}::jsonb[], ${column((r) => r.contentHash)}::text[],
      ${links.map((link) => link.prev_hash)}::text[], ${links.map((link) => link.hash)}::text[]) as r
    where exists (select 1 from moved)`.execute(db);
  return Number(result.numAffectedRows ?? 0) === records.length;
}

/** The tenant's head, read as the platform; null if it has none yet. */
export async function readAuditHead(db: Kysely<DB>, tenantId: string): Promise<HeadRow | null> {
  const row = await db
    .selectFrom('audit_heads')
    .select(['seq', 'hash'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}

/** Creates the tenant's head at seq 0 with the genesis hash, if it has none. */
export async function ensureAuditHead(db: Kysely<DB>, tenantId: string, genesis: string): Promise<void> {
  await db
    .insertInto('audit_heads')
    .values({ tenant_id: tenantId, seq: 0, hash: genesis })
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .execute();
}
