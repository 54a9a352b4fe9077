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

/** Where an appended record landed in the chain; the rest of it is what the caller sent. */
export interface ChainLink {
  seq: string | number;
  prev_hash: string;
  hash: string;
}

/**
 * Appends a batch at the tenant's chain head in ONE statement (one round trip, one commit):
 * `head` locks the tenant's audit_heads row (FOR UPDATE: concurrent appenders of the tenant queue
 * here, and each sees the head the previous one committed), `chain` walks the batch computing
 * `hash = sha256_hex(prev_hash || content_hash)` record by record, `ins` writes the records and
 * `moved` sets the head to the last one. Only the chain links come back: the caller has the rest. The lock is held only while the statement runs. Runs as
 * the platform, like the worker's step writes: the tenant is the caller's, never the request's.
 *
 * Answers no rows if the tenant has no head yet; the caller creates it and calls again.
 */
export async function appendAuditStatement(
  db: Kysely<DB>,
  tenantId: string,
  records: readonly PreparedAuditRecord[],
): Promise<ChainLink[]> {
  const batch = writeJson(records.map((r) => ({ ...r.content, content_hash: r.contentHash })));
  const result = await sql<ChainLink>`${preparedAs('audit_append')}
    with recursive
    batch as (
      select b.ord, b.value as v from jsonb_array_elements(${batch}::jsonb) with ordinality as b(value, ord)),
    head as (
      select seq, hash from audit_heads where tenant_id = ${tenantId} for update),
    chain (ord, seq, prev_hash, hash) as (
      select 0::bigint, h.seq, null::text, h.hash from head h
      union all
      select c.ord + 1, c.seq + 1, c.hash,
        encode(sha256(convert_to(c.hash || (b.v->>'content_hash'), 'UTF8')), 'hex')
      from chain c join batch b on b.ord = c.ord + 1),
    ins as (
      insert into audit_records (tenant_id, seq, id, time, actor_type, actor, run_id, trace_id, user_id,
        action, tool, decision, rule, input, output, metadata, content_hash, prev_hash, hash)
      select ${tenantId}, c.seq, b.v->>'id', (b.v->>'time')::timestamptz, b.v->>'actor_type', b.v->>'actor',
        b.v->>'run_id', b.v->>'trace_id', b.v->>'user_id', b.v->>'action', b.v->>'tool', b.v->>'decision',
        b.v->>'rule', b.v->'input', b.v->'output', b.v->'metadata', b.v->>'content_hash', c.prev_hash, c.hash
      from chain c join batch b on b.ord = c.ord
      returning seq, prev_hash, hash),
    moved as (
      update audit_heads set seq = last.seq, hash = last.hash, updated_at = now()
      from (select seq, hash from chain order by ord desc limit 1) last
      where audit_heads.tenant_id = ${tenantId}
      returning audit_heads.seq)
    select seq, prev_hash, hash from ins order by seq`.execute(db);
  return result.rows;
}

/** Creates the tenant's head at seq 0 with the genesis hash, if it has none. */
export async function ensureAuditHead(db: Kysely<DB>, tenantId: string, genesis: string): Promise<void> {
  await db
    .insertInto('audit_heads')
    .values({ tenant_id: tenantId, seq: 0, hash: genesis })
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .execute();
}
