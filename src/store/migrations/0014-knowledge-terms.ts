import { type Kysely, sql } from 'kysely';
import { enableTenantRowSecurity } from './helpers.ts';

/**
 * Per-base term statistics for the sparse search: how many chunks of a base hold each term, and
 * (under the empty term, never a lexeme) how many chunks the base has. The search retrieves with
 * a query's rare terms only, and "rare" must be judged within the base: the planner's statistics
 * are table-wide, so one tenant's large base made every other base's terms look common or rare by
 * its own counts.
 *
 * Triggers on `knowledge_chunks` keep the counts, so every way chunks come and go counts alike:
 * inserts, a document replaced, deleted or swept by retention (cascades fire them too). A base's
 * rows go with the base. Existing chunks are counted once here. The functions keep the schema's
 * search path, whatever the session's is when a trigger fires.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('knowledge_terms')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kb_id', 'text', (c) => c.notNull().references('knowledge_bases.id').onDelete('cascade'))
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('chunks', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('knowledge_terms_pkey', ['kb_id', 'term'])
    .execute();
  await enableTenantRowSecurity(db, 'knowledge_terms', 'tenant_id');

  await sql`create function knowledge_terms_added() returns trigger language plpgsql
    set search_path from current as $$
    begin
      insert into knowledge_terms (tenant_id, kb_id, term, chunks)
        select tenant_id, kb_id, term, count(*)::integer from (
          select n.tenant_id, n.kb_id, t.term from added n, unnest(tsvector_to_array(n.tsv)) as t(term)
          union all
          select n.tenant_id, n.kb_id, '' from added n) terms
        group by tenant_id, kb_id, term
      on conflict (kb_id, term) do update set chunks = knowledge_terms.chunks + excluded.chunks;
      return null;
    end $$`.execute(db);
  await sql`create function knowledge_terms_removed() returns trigger language plpgsql
    set search_path from current as $$
    begin
      update knowledge_terms k set chunks = k.chunks - r.chunks
        from (select kb_id, term, count(*)::integer as chunks from (
            select o.kb_id, t.term from removed o, unnest(tsvector_to_array(o.tsv)) as t(term)
            union all
            select o.kb_id, '' from removed o) terms
          group by kb_id, term) r
        where k.kb_id = r.kb_id and k.term = r.term;
      delete from knowledge_terms k using (select distinct kb_id from removed) r
        where k.kb_id = r.kb_id and k.chunks <= 0;
      return null;
    end $$`.execute(db);
  await sql`create trigger knowledge_chunks_terms_added after insert on knowledge_chunks
    referencing new table as added for each statement execute function knowledge_terms_added()`.execute(db);
  await sql`create trigger knowledge_chunks_terms_removed after delete on knowledge_chunks
    referencing old table as removed for each statement execute function knowledge_terms_removed()`.execute(
    db,
  );

  await sql`insert into knowledge_terms (tenant_id, kb_id, term, chunks)
    select tenant_id, kb_id, term, count(*)::integer from (
      select c.tenant_id, c.kb_id, t.term from knowledge_chunks c, unnest(tsvector_to_array(c.tsv)) as t(term)
      union all
      select c.tenant_id, c.kb_id, '' from knowledge_chunks c) terms
    group by tenant_id, kb_id, term`.execute(db);
}
