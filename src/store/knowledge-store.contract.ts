import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7Ids } from '../core/index.ts';
import type { ChunkDraft, DocumentWrite, ScanQuery } from '../knowledge/index.ts';
import {
  type Database,
  migrateToLatest,
  SqlIngestJobStore,
  SqlKnowledgeStore,
  SqlRegistryTransactions,
  SqlTenantStore,
} from './index.ts';
import { termStatistics } from './knowledge-search-sql.ts';

const DIMS = 256;

/** A unit vector near axis `axis`, nudged by `nudge` toward axis + 1. */
function vector(axis: number, nudge = 0): number[] {
  const values = new Array<number>(DIMS).fill(0);
  values[axis % DIMS] = 1;
  values[(axis + 1) % DIMS] = nudge;
  const norm = Math.hypot(1, nudge);
  return values.map((value) => value / norm);
}

const chunk = (ord: number, text: string, embedding: number[]): ChunkDraft => ({
  ord,
  text,
  heading: null,
  start: ord * 100,
  end: ord * 100 + text.length,
  tokens: text.toLowerCase().split(/\W+/).filter(Boolean).join(' '),
  embedding,
});

const document = (key: string, overrides: Partial<DocumentWrite> = {}): DocumentWrite => ({
  key,
  source: `${key}.md`,
  format: 'markdown',
  title: null,
  contentHash: `hash-${key}`,
  metadata: { team: 'soc' },
  accessGroup: 'everyone',
  sensitivity: 1,
  ...overrides,
});

/**
 * The knowledge store on one database: PGlite searches through pgvector's HNSW index, a
 * PostgreSQL server without the extension scans exactly; both must answer alike, and neither may
 * let the access filter shorten an answer.
 */
export function describeKnowledgeStoreContract(
  name: string,
  open: () => Promise<Database>,
  index: 'hnsw' | 'exact',
): void {
  describe(`SqlKnowledgeStore (${name})`, () => {
    let database: Database;
    let store: SqlKnowledgeStore;
    let jobs: SqlIngestJobStore;
    const tenant = `t-${uuidv7Ids.next()}`;
    let kbId = '';
    const scan = (overrides: Partial<ScanQuery> = {}): ScanQuery => ({
      kbId,
      viewer: { groups: [], clearance: 2 },
      filters: undefined,
      limit: 5,
      ...overrides,
    });

    /** A tenant with one knowledge base named kb; returns the base. */
    async function tenantWithBase(id: string) {
      await new SqlTenantStore(database.db, database.schema).insert({
        id,
        name: id,
        displayName: id,
        createdAt: new Date(),
      });
      const registry = new SqlRegistryTransactions(database.db, database.schema);
      return registry.run(id, ({ knowledgeBases }) =>
        knowledgeBases.insert({
          id: uuidv7Ids.next(),
          name: 'kb',
          labels: {},
          annotations: {},
          spec: {
            embedder: { type: 'hashing' },
            chunking: { strategy: 'recursive', size: 1000, overlap: 150 },
            access_group: 'everyone',
            sensitivity_level: 2,
          },
          specHash: 'h',
          createdAt: new Date(),
        }),
      );
    }

    beforeAll(async () => {
      database = await open();
      await migrateToLatest(database.db, database.schema);
      const record = await tenantWithBase(tenant);
      kbId = record.id;
      store = new SqlKnowledgeStore(database.db, uuidv7Ids);
      jobs = new SqlIngestJobStore(database.db);
    }, 60_000);

    afterAll(async () => {
      await database?.close();
    });

    it(`reports its dense index (${index})`, async () => {
      expect(await store.denseIndex()).toBe(index);
    });

    it('finds chunks by vector and by token, and replaces a document atomically', async () => {
      await store.putDocument(tenant, kbId, document('runbook'), [
        chunk(0, 'phishing containment steps', vector(10)),
        chunk(1, 'ransomware isolation steps', vector(20)),
      ]);
      const dense = await store.denseSearch(tenant, scan(), vector(20, 0.1));
      expect(dense[0]?.text).toBe('ransomware isolation steps');
      expect(dense[0]?.score).toBeCloseTo(1 / Math.hypot(1, 0.1), 4);
      const sparse = await store.sparseSearch(tenant, scan(), ['phishing']);
      expect(sparse.map((hit) => hit.text)).toEqual(['phishing containment steps']);

      const before = new Set(dense.map((hit) => hit.chunkId));
      await store.putDocument(tenant, kbId, document('runbook', { contentHash: 'hash-2' }), [
        chunk(0, 'credential stuffing response', vector(30)),
      ]);
      const after = await store.sparseSearch(tenant, scan(), ['phishing', 'ransomware', 'credential']);
      expect(after.map((hit) => hit.text)).toEqual(['credential stuffing response']);
      expect(after.some((hit) => before.has(hit.chunkId))).toBe(false);
      expect((await store.findDocument(tenant, kbId, 'runbook'))?.chunkCount).toBe(1);
    });

    it('filters by access inside the scan: forbidden chunks ranked higher never shorten the answer', async () => {
      // Sixty confidential chunks sit nearer the query than the one the viewer may read.
      for (let i = 0; i < 60; i++)
        await store.putDocument(tenant, kbId, document(`secret-${i}`, { sensitivity: 3 }), [
          chunk(0, `zebra incident secret ${i}`, vector(100, i / 1000)),
        ]);
      await store.putDocument(tenant, kbId, document('ir-only', { accessGroup: 'ir-team' }), [
        chunk(0, 'zebra incident handled by the ir team', vector(100, 0.2)),
      ]);
      await store.putDocument(tenant, kbId, document('public'), [
        chunk(0, 'zebra incident public summary', vector(100, 0.5)),
      ]);
      const viewer = { groups: [], clearance: 2 };
      const sparse = await store.sparseSearch(tenant, scan({ viewer }), ['zebra']);
      expect(sparse.map((hit) => hit.documentKey)).toEqual(['public']);
      // A small base is scanned exactly; `indexed` searches it as a large one, through the index.
      const indexed = new SqlKnowledgeStore(database.db, uuidv7Ids, 0);
      for (const searcher of [store, indexed]) {
        const dense = await searcher.denseSearch(tenant, scan({ viewer }), vector(100));
        expect(dense.map((hit) => hit.documentKey)).toEqual(['public']);
        const member = await searcher.denseSearch(
          tenant,
          scan({ viewer: { groups: ['ir-team'], clearance: 2 } }),
          vector(100),
        );
        expect(member.map((hit) => hit.documentKey)).toEqual(['ir-only', 'public']);
        expect(member[0]?.score).toBeCloseTo(1 / Math.hypot(1, 0.2), 4);
        const cleared = await searcher.denseSearch(
          tenant,
          scan({ viewer: { groups: [], clearance: 3 } }),
          vector(100),
        );
        expect(cleared.map((hit) => hit.documentKey)).toEqual([
          'secret-0',
          'secret-1',
          'secret-2',
          'secret-3',
          'secret-4',
        ]);
      }
      const listed = await store.listDocuments(tenant, kbId, viewer, { limit: 100 });
      expect(listed.map((d) => d.key).sort()).toEqual(['public', 'runbook']);
    });

    it('narrows by metadata and document filters, and re-labels access without re-chunking', async () => {
      await store.putDocument(tenant, kbId, document('hr', { metadata: { team: 'hr' } }), [
        chunk(0, 'walrus leave policy', vector(140)),
      ]);
      const filtered = await store.sparseSearch(tenant, scan({ filters: { metadata: { team: 'soc' } } }), [
        'walrus',
      ]);
      expect(filtered).toEqual([]);
      const byDocument = await store.sparseSearch(tenant, scan({ filters: { documents: ['hr'] } }), [
        'walrus',
      ]);
      expect(byDocument.map((hit) => hit.documentKey)).toEqual(['hr']);
      const hr = await store.findDocument(tenant, kbId, 'hr');
      await store.updateDocumentAccess(tenant, hr?.id ?? '', {
        metadata: { team: 'hr' },
        accessGroup: 'hr-team',
        sensitivity: 1,
        source: 'hr.md',
      });
      expect(await store.sparseSearch(tenant, scan(), ['walrus'])).toEqual([]);
      expect(await store.deleteDocument(tenant, kbId, 'hr')).toBe(true);
      expect(await store.deleteDocument(tenant, kbId, 'hr')).toBe(false);
    });

    it('never returns another tenant’s chunks, even for that tenant’s base id', async () => {
      const other = `t-${uuidv7Ids.next()}`;
      const base = await tenantWithBase(other);
      await store.putDocument(other, base.id, document('foreign'), [
        chunk(0, 'okapi foreign secret', vector(200)),
      ]);
      const probe = scan({ kbId: base.id, viewer: { groups: [], clearance: 3 } });
      expect(await store.sparseSearch(tenant, probe, ['okapi'])).toEqual([]);
      expect(await store.denseSearch(tenant, probe, vector(200))).toEqual([]);
      expect((await store.sparseSearch(other, probe, ['okapi'])).map((hit) => hit.documentKey)).toEqual([
        'foreign',
      ]);
    });

    it('counts each base’s terms as chunks come and go, and retrieves with the base’s rare terms', async () => {
      const owner = `t-${uuidv7Ids.next()}`;
      const base = await tenantWithBase(owner);
      const counts = async (terms: string[]) => {
        const stats = await termStatistics(database.db, owner, base.id, terms);
        return {
          chunks: stats.chunks,
          ...Object.fromEntries(terms.map((t) => [t, stats.holding.get(t) ?? 0])),
        };
      };
      const texts = Array.from({ length: 300 }, (_, i) =>
        i < 2 ? `alpha beta note ${i}` : `alpha filler ${i}`,
      );
      await store.putDocument(
        owner,
        base.id,
        document('bulk'),
        texts.map((text, i) => chunk(i, text, vector(i))),
      );
      await store.putDocument(owner, base.id, document('extra'), [chunk(0, 'beta gamma', vector(1))]);
      expect(await counts(['alpha', 'beta', 'gamma'])).toEqual({
        chunks: 301,
        alpha: 300,
        beta: 3,
        gamma: 1,
      });
      // "alpha" is in nearly every chunk of this base, so only "beta" retrieves: chunks holding
      // "alpha" alone do not pad the answer, though "alpha" still ranks.
      const hits = await store.sparseSearch(owner, scan({ kbId: base.id, limit: 10 }), ['alpha', 'beta']);
      expect(hits.map((hit) => hit.text)).toEqual(['alpha beta note 0', 'alpha beta note 1', 'beta gamma']);
      // A query of the common term alone still finds it (every term retrieves when none is rare).
      expect(await store.sparseSearch(owner, scan({ kbId: base.id, limit: 10 }), ['alpha'])).toHaveLength(10);

      // Replacing, deleting and re-labelling a document keep the counts; the other base is apart.
      await store.putDocument(owner, base.id, document('bulk', { contentHash: 'h2' }), [
        chunk(0, 'alpha delta', vector(3)),
      ]);
      expect(await counts(['alpha', 'beta', 'delta'])).toEqual({ chunks: 2, alpha: 1, beta: 1, delta: 1 });
      await store.updateDocumentAccess(owner, (await store.findDocument(owner, base.id, 'extra'))?.id ?? '', {
        metadata: {},
        accessGroup: 'everyone',
        sensitivity: 1,
        source: null,
      });
      expect(await store.deleteDocument(owner, base.id, 'extra')).toBe(true);
      expect(await counts(['alpha', 'beta', 'gamma'])).toEqual({ chunks: 1, alpha: 1, beta: 0, gamma: 0 });
      expect(
        (await termStatistics(database.db, tenant, kbId, ['alpha'])).holding.get('alpha'),
      ).toBeUndefined();
    });

    it('lets exactly one of two concurrent claims take a job, and a lost lease stops progress', async () => {
      const id = uuidv7Ids.next();
      await jobs.create(tenant, {
        id,
        kbId,
        payload: [
          {
            key: 'a',
            source: null,
            format: 'text',
            content: 'x',
            metadata: {},
            accessGroup: 'everyone',
            sensitivity: 1,
          },
        ],
        outcome: [{ id: 'a', source: null, status: 'pending', chunks: 0 }],
        createdBy: 'admin',
      });
      const claims = await Promise.all([jobs.claim('w1', 60_000), jobs.claim('w2', 60_000)]);
      expect(claims.filter((claim) => claim?.id === id)).toHaveLength(1);
      const winner = claims[0]?.id === id ? 0 : 1;
      const job = claims[winner];
      if (!job) throw new Error('unreachable');
      const [owner, loser] = winner === 0 ? ['w1', 'w2'] : ['w2', 'w1'];
      expect(job).toMatchObject({ kbName: 'kb', attempts: 1, status: 'running' });
      expect(job.payload[0]?.content).toBe('x');
      expect(await jobs.progress(job, loser, 60_000)).toBe(false);
      job.outcome[0] = { id: 'a', source: null, status: 'ingested', chunks: 1 };
      job.chunks = 1;
      expect(await jobs.progress(job, owner, 60_000)).toBe(true);
      await jobs.finish(job, owner, 'succeeded', null);
      const stored = await jobs.get(tenant, kbId, id);
      expect(stored).toMatchObject({ status: 'succeeded', chunks: 1, outcome: [{ status: 'ingested' }] });
      expect(stored?.finishedAt).toBeInstanceOf(Date);
      expect(await jobs.claim('w3', 60_000)).toBeNull();
    });
  });
}
