import { type Kysely, sql } from 'kysely';
import { enableTenantRowSecurity } from './helpers.ts';

/** The built-in hashing embedder's width: the one dimension indexed from the start. */
const HASHING_DIMENSIONS = 256;

/**
 * Knowledge: bases (a spec-only kind), their documents and chunks, ingestion jobs, and the lineage
 * of the chunks each run retrieved. Principals gain a clearance (1 public, 2 internal,
 * 3 confidential) compared with each chunk's sensitivity at query time.
 *
 * Chunks carry their document's access group and sensitivity, so the access filter is a predicate
 * on the scanned rows (inside the vector and full-text scans, never after the top k). The sparse
 * index is a `simple` tsvector over the segmenter's tokens (Chinese is segmented before it gets
 * here). Embeddings are pgvector's `vector` where the extension exists, with an HNSW index per
 * dimension (partial, on `dims`); elsewhere `real[]`, and dense search scans exactly.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table principals add column clearance smallint not null default 2`.execute(db);

  await db.schema
    .createTable('knowledge_bases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('annotations', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('spec', 'jsonb', (c) => c.notNull())
    .addColumn('spec_hash', 'text', (c) => c.notNull())
    .addColumn('resource_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('knowledge_bases_tenant_name', ['tenant_id', 'name'])
    .execute();
  await enableTenantRowSecurity(db, 'knowledge_bases', 'tenant_id');

  await db.schema
    .createTable('knowledge_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kb_id', 'text', (c) => c.notNull().references('knowledge_bases.id').onDelete('cascade'))
    .addColumn('doc_key', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('access_group', 'text', (c) => c.notNull())
    .addColumn('sensitivity', 'smallint', (c) => c.notNull())
    .addColumn('chunk_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('knowledge_documents_kb_key', ['kb_id', 'doc_key'])
    .execute();
  await enableTenantRowSecurity(db, 'knowledge_documents', 'tenant_id');

  const { rows } = await sql<{ ok: boolean }>`select to_regtype('vector') is not null as ok`.execute(db);
  const vector = rows[0]?.ok === true;
  await db.schema
    .createTable('knowledge_chunks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kb_id', 'text', (c) => c.notNull().references('knowledge_bases.id').onDelete('cascade'))
    .addColumn('document_id', 'text', (c) =>
      c.notNull().references('knowledge_documents.id').onDelete('cascade'),
    )
    .addColumn('ord', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('heading', 'text')
    .addColumn('start_offset', 'integer', (c) => c.notNull())
    .addColumn('end_offset', 'integer', (c) => c.notNull())
    .addColumn('tokens', 'text', (c) => c.notNull())
    .addColumn('tsv', sql`tsvector`, (c) => c.generatedAlwaysAs(sql`to_tsvector('simple', tokens)`).stored())
    .addColumn('dims', 'smallint', (c) => c.notNull())
    .addColumn('embedding', vector ? sql`vector` : sql`real[]`, (c) => c.notNull())
    .addColumn('access_group', 'text', (c) => c.notNull())
    .addColumn('sensitivity', 'smallint', (c) => c.notNull())
    .execute();
  await sql`create index knowledge_chunks_document on knowledge_chunks (document_id, ord)`.execute(db);
  await sql`create index knowledge_chunks_kb on knowledge_chunks (kb_id)`.execute(db);
  await sql`create index knowledge_chunks_tsv on knowledge_chunks using gin (tsv)`.execute(db);
  if (vector) {
    await sql`create index ${sql.raw(`knowledge_chunks_hnsw_${HASHING_DIMENSIONS}`)} on knowledge_chunks
      using hnsw ((embedding::vector(${sql.raw(String(HASHING_DIMENSIONS))})) vector_cosine_ops)
      where dims = ${sql.raw(String(HASHING_DIMENSIONS))}`.execute(db);
  }
  await enableTenantRowSecurity(db, 'knowledge_chunks', 'tenant_id');

  await db.schema
    .createTable('knowledge_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kb_id', 'text', (c) => c.notNull().references('knowledge_bases.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('outcome', 'jsonb', (c) => c.notNull())
    .addColumn('chunks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('wake_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .execute();
  await sql`create index knowledge_jobs_due on knowledge_jobs (wake_at) where status in ('queued', 'running')`.execute(
    db,
  );
  await sql`create index knowledge_jobs_kb on knowledge_jobs (kb_id, created_at desc)`.execute(db);
  await enableTenantRowSecurity(db, 'knowledge_jobs', 'tenant_id');

  await db.schema
    .createTable('run_lineage')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('step_key', 'text')
    .addColumn('kb_name', 'text', (c) => c.notNull())
    .addColumn('chunk_id', 'text', (c) => c.notNull())
    .addColumn('document_key', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('score', 'real', (c) => c.notNull())
    .addColumn('sensitivity', 'smallint', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index run_lineage_run on run_lineage (run_id, created_at, seq)`.execute(db);
  await enableTenantRowSecurity(db, 'run_lineage', 'tenant_id');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'run_lineage',
    'knowledge_jobs',
    'knowledge_chunks',
    'knowledge_documents',
    'knowledge_bases',
  ])
    await db.schema.dropTable(table).ifExists().execute();
  await sql`alter table principals drop column if exists clearance`.execute(db);
}
