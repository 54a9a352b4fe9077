import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestJob, KnowledgeBase, KnowledgeDocument, Readiness } from '../../src/contracts/index.ts';
import { STORE_KIND } from '../support/env.ts';
import { applyAs, isolatedTenant, member } from '../support/governance.ts';
import { expectProblem, sendTo } from '../support/http.ts';
import { ingest as ingestAs, knowledgeBase, search as searchAs } from '../support/knowledge.ts';
import { pdfOf } from '../support/pdf.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { startRerankDouble } from '../support/rerank-double.ts';
import { waitUntil } from '../support/runs.ts';

/**
 * Knowledge bases through the API: ingestion as jobs (formats, no-op re-ingest, atomic replace,
 * a broken document failing alone), hybrid search in English and Chinese, and bad input.
 */
let t: TestPlatform;
let admin: string;
let tenant: string;

beforeAll(async () => {
  t = await startTestPlatform({ knowledgeUploadLimitBytes: 4 * 1024 * 1024, knowledgeRetentionSweepMs: 200 });
  ({ admin, tenant } = await isolatedTenant(t));
  await applyAs(t, admin, [knowledgeBase('docs')]);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const RUNBOOK = `# Phishing response runbook

## Triage
Check the reported sender against the mail gateway logs and pull the message headers.

## Containment
Block the sender domain on the mail gateway and purge the message from every mailbox.
Reset the credentials of any user who clicked the link within 30 minutes.

## Escalation
Page the incident commander when more than 20 mailboxes received the message.`;

const INCIDENT_ZH = `# 事件报告 INC-2024-0173

## 概述
数据库服务器在凌晨出现连接失败，导致订单系统中断四十分钟。

## 根本原因
防火墙规则变更错误地阻断了应用服务器到数据库的端口。

## 处置
回滚防火墙规则并增加变更审批流程。`;

const ingest = (kb: string, documents: object[]) => ingestAs(t, admin, kb, documents);
const search = (kb: string, body: object) => searchAs(t, admin, kb, body);

describe('ingestion', () => {
  it('ingests Markdown, HTML, JSON, JSONL and text as one job, each document chunked', async () => {
    const job = await ingest('docs', [
      { id: 'phishing', source: 'sop/phishing.md', content: RUNBOOK, metadata: { type: 'sop' } },
      {
        id: 'inc-0173',
        source: 'incidents/inc-0173.md',
        content: INCIDENT_ZH,
        metadata: { type: 'incident' },
      },
      {
        id: 'vpn',
        source: 'policies/vpn.html',
        content:
          '<html><head><title>VPN policy</title><script>var x = "ignored";</script></head><body><h1>VPN</h1><p>VPN logs are kept for 400 days.</p></body></html>',
      },
      { id: 'owners', source: 'owners.json', content: '{"service":"billing","owner":"team-aurora"}' },
      {
        id: 'alerts',
        source: 'alerts.jsonl',
        content: '{"rule":"R-17","severity":"high"}\n{"rule":"R-18","severity":"low"}\n',
      },
      { id: 'note', content: 'The quarterly tabletop exercise is on the first Monday.' },
    ]);
    expect(job.status).toBe('succeeded');
    expect(job.documents.map((d) => d.status)).toEqual(Array(6).fill('ingested'));
    expect(job.documents.find((d) => d.id === 'phishing')?.chunks).toBeGreaterThanOrEqual(3);
    expect(job.chunks).toBe(job.documents.reduce((sum, d) => sum + d.chunks, 0));

    const docs = await sendTo<{ items: KnowledgeDocument[] }>(
      t,
      'GET',
      '/api/v1/knowledge-bases/docs/documents',
      {
        apiKey: admin,
      },
    );
    const vpn = docs.body.items.find((d) => d.id === 'vpn');
    expect(vpn).toMatchObject({
      format: 'html',
      title: 'VPN policy',
      access_group: 'everyone',
      sensitivity_level: 2,
    });
    const base = await sendTo<KnowledgeBase>(t, 'GET', '/api/v1/knowledge-bases/docs', { apiKey: admin });
    expect(base.body.status).toEqual({ documents: 6, chunks: job.chunks });

    const html = await search('docs', { query: 'how long are VPN logs kept', top_k: 1 });
    expect(html.results[0]).toMatchObject({ documentId: 'vpn' });
    expect(html.results[0]?.text).toContain('400 days');
    expect(html.results[0]?.text).not.toContain('ignored');
    const json = await search('docs', { query: 'who owns billing', top_k: 1 });
    expect(json.results[0]?.documentId).toBe('owners');
    expect(json.results[0]?.text).toContain('team-aurora');
  });

  it('skips a document whose bytes are unchanged and replaces a changed one atomically', async () => {
    const again = await ingest('docs', [
      { id: 'phishing', source: 'sop/phishing.md', content: RUNBOOK, metadata: { type: 'sop' } },
    ]);
    expect(again.documents[0]).toMatchObject({ status: 'unchanged' });
    expect(again.chunks).toBe(0);

    const before = await search('docs', { query: 'purge the message from every mailbox', top_k: 3 });
    const oldIds = new Set(before.results.map((hit) => hit.chunkId));
    const changed = RUNBOOK.replace(
      'purge the message from every mailbox',
      'quarantine the message tenant-wide',
    );
    const replaced = await ingest('docs', [
      { id: 'phishing', source: 'sop/phishing.md', content: changed, metadata: { type: 'sop' } },
    ]);
    expect(replaced.documents[0]).toMatchObject({ status: 'ingested' });
    const after = await search('docs', {
      query: 'quarantine the message tenant-wide',
      top_k: 5,
      filters: { documents: ['phishing'] },
    });
    expect(after.results[0]?.text).toContain('quarantine the message tenant-wide');
    expect(after.results.some((hit) => oldIds.has(hit.chunkId))).toBe(false);
    const gone = await search('docs', { query: 'purge', mode: 'sparse', rerank: false });
    expect(gone.results.filter((hit) => hit.documentId === 'phishing')).toEqual([]);
  });

  it('fails a broken PDF and a binary file alone while the rest of the batch goes in', async () => {
    const job = await ingest('docs', [
      {
        id: 'broken',
        source: 'broken.pdf',
        content_base64: Buffer.from('%PDF-1.7\n1 0 obj <<garbage').toString('base64'),
      },
      {
        id: 'binary',
        source: 'looks-like-text.txt',
        content_base64: Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x00, 0x42]).toString('base64'),
      },
      { id: 'fine', source: 'fine.md', content: '# Fine\nThe escalation matrix lists the on-call lead.' },
    ]);
    expect(job.status).toBe('partial');
    const byId = Object.fromEntries(job.documents.map((d) => [d.id, d]));
    expect(byId.fine?.status).toBe('ingested');
    expect(byId.broken).toMatchObject({ status: 'failed', chunks: 0 });
    expect(byId.broken?.error).toMatch(/pdf/i);
    expect(byId.binary).toMatchObject({ status: 'failed' });
    expect(byId.binary?.error).toMatch(/binary/i);
    const docs = await sendTo<{ items: KnowledgeDocument[] }>(
      t,
      'GET',
      '/api/v1/knowledge-bases/docs/documents?limit=100',
      {
        apiKey: admin,
      },
    );
    expect(docs.body.items.map((d) => d.id)).not.toContain('broken');
    expect(docs.body.items.map((d) => d.id)).not.toContain('binary');
    const stored = await sendTo<IngestJob>(t, 'GET', `/api/v1/knowledge-bases/docs/jobs/${job.id}`, {
      apiKey: admin,
    });
    expect(stored.body).toMatchObject({ id: job.id, status: 'partial', knowledgeBase: 'docs' });
  });

  it('accepts multipart uploads with access fields applied to every file', async () => {
    const form = new FormData();
    form.append(
      'file',
      new Blob(['# Badge policy\nVisitors wear red badges.'], { type: 'text/markdown' }),
      'badges.md',
    );
    form.append(
      'file',
      new Blob(['Lost badges are reported to the front desk.'], { type: 'text/plain' }),
      'lost.txt',
    );
    const pdf = pdfOf(
      [['Visitor badge audit'], ['Badges are collected at the gate at 18:00.']],
      'Badge audit',
    );
    form.append('file', new Blob([Buffer.from(pdf)], { type: 'application/pdf' }), 'audit.pdf');
    form.append('access_group', 'facilities');
    form.append('sensitivity_level', '1');
    const response = await fetch(`${t.url}/api/v1/knowledge-bases/docs/documents?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
      body: form,
    });
    const job = (await response.json()) as IngestJob;
    expect(response.status, JSON.stringify(job)).toBe(200);
    expect(job.documents.map((d) => [d.id, d.status])).toEqual([
      ['badges.md', 'ingested'],
      ['lost.txt', 'ingested'],
      ['audit.pdf', 'ingested'],
    ]);
    const guard = await member(t, tenant, ['viewer'], ['facilities']);
    const found = await searchAs(t, guard.key, 'docs', {
      query: 'when are badges collected at the gate',
      top_k: 1,
    });
    const hidden = await search('docs', { query: 'when are badges collected at the gate', top_k: 10 });
    expect(hidden.results.map((hit) => hit.documentId)).not.toContain('audit.pdf');
    expect(found.results[0]).toMatchObject({
      documentId: 'audit.pdf',
      title: 'Badge audit',
      access_group: 'facilities',
    });
    expect(found.results[0]?.text).toContain('18:00');
  });
});

describe('search', () => {
  it('finds the passage for an identifier, a paraphrase and a Chinese question, in every mode', async () => {
    for (const mode of ['hybrid', 'dense', 'sparse'] as const) {
      const answer = await search('docs', { query: 'INC-2024-0173 根本原因', mode, top_k: 3 });
      expect(answer.mode).toBe(mode);
      expect(answer.results[0]?.documentId, mode).toBe('inc-0173');
    }
    const zh = await search('docs', { query: '防火墙规则为什么会导致数据库连接失败', top_k: 1 });
    expect(zh.results[0]?.text).toContain('防火墙规则变更');
    const en = await search('docs', { query: 'when do we page the incident commander', top_k: 1 });
    expect(en.results[0]).toMatchObject({
      documentId: 'phishing',
      heading: expect.stringContaining('Escalation'),
    });
    expect(en.reranker).toBe('lexical');
    expect(en.results[0]?.scores.fused).toBeGreaterThan(0);
    expect(en.results[0]?.end).toBeGreaterThan(en.results[0]?.start ?? 0);
  });

  it('re-ranks with the cross-encoder a base names, and lexically when it cannot be reached', async () => {
    const encoder = await startRerankDouble('pull the message headers');
    try {
      await applyAs(t, admin, [
        {
          apiVersion: 'agenticai.dev/v1alpha1',
          kind: 'ModelBackend',
          metadata: { name: 'ce' },
          spec: { type: 'openai-compatible', endpoint: encoder.url, models: ['bge-reranker'] },
        },
        knowledgeBase('reranked', { rerank: { model: 'ce/bge-reranker' } }),
      ]);
      await ingest('reranked', [{ id: 'phishing', content: RUNBOOK }]);
      const query = { query: 'mail gateway sender domain', top_k: 3 };
      const lexical = await search('reranked', { ...query, rerank: false });
      expect(lexical.results[0]?.text).not.toContain('pull the message headers');
      const encoded = await search('reranked', query);
      expect(encoded.reranker).toBe('cross-encoder');
      expect(encoded.results[0]?.text).toContain('pull the message headers');
      expect(encoded.results[0]?.scores.rerank).toBe(1);
      expect(encoder.requests.at(-1)).toMatchObject({ model: 'bge-reranker', query: query.query });
    } finally {
      await encoder.close();
    }
    const fallback = await search('reranked', { query: 'mail gateway sender domain', top_k: 3 });
    expect(fallback.reranker).toBe('lexical');
    expect(fallback.results.length).toBeGreaterThan(0);
  });

  it('narrows by metadata', async () => {
    const answer = await search('docs', {
      query: 'message',
      top_k: 10,
      filters: { metadata: { type: 'incident' } },
    });
    expect(answer.results.every((hit) => hit.documentId === 'inc-0173')).toBe(true);
  });
});

describe('operations', () => {
  it('deletes documents past their base’s retention, and says in /readyz how dense search runs', async () => {
    await applyAs(t, admin, [knowledgeBase('short-lived', { retention: '1s' })]);
    await ingest('short-lived', [{ id: 'temp', content: 'A note that expires.' }]);
    const listed = () =>
      sendTo<{ items: KnowledgeDocument[] }>(t, 'GET', '/api/v1/knowledge-bases/short-lived/documents', {
        apiKey: admin,
      });
    expect((await listed()).body.items.map((d) => d.id)).toEqual(['temp']);
    await waitUntil(
      listed,
      (reply) => reply.body.items.length === 0,
      (reply) => JSON.stringify(reply.body),
      15_000,
    );
    const kept = await sendTo<KnowledgeBase>(t, 'GET', '/api/v1/knowledge-bases/docs', { apiKey: admin });
    expect(kept.body.status?.documents).toBeGreaterThan(0);

    const ready = await sendTo<Readiness>(t, 'GET', '/readyz', { apiKey: null });
    expect(ready.body.checks.vectors?.detail).toMatch(
      STORE_KIND === 'pglite' ? /HNSW/ : /warning: pgvector is not installed/,
    );
  });
});

describe('bad input', () => {
  it('answers each with a clear problem and keeps nothing half-ingested', async () => {
    const post = (path: string, body: unknown, headers?: Record<string, string>) =>
      sendTo(t, 'POST', path, { apiKey: admin, body, ...(headers ? { headers } : {}) });
    const unknown = await post('/api/v1/knowledge-bases/nope/search', { query: 'x' });
    expectProblem(unknown, 404, 'NOT_FOUND');
    expectProblem(
      await post('/api/v1/knowledge-bases/nope/documents', { documents: [{ content: 'x' }] }),
      404,
      'NOT_FOUND',
    );
    const zero = expectProblem(
      await post('/api/v1/knowledge-bases/docs/search', { query: 'x', top_k: 0 }),
      400,
      'INVALID_REQUEST',
    );
    expect(JSON.stringify(zero)).toContain('/top_k');
    expectProblem(
      await post('/api/v1/knowledge-bases/docs/search', { query: 'x', top_k: 10_000 }),
      400,
      'INVALID_REQUEST',
    );
    const long = expectProblem(
      await post('/api/v1/knowledge-bases/docs/search', { query: 'a'.repeat(100 * 1024) }),
      400,
      'INVALID_REQUEST',
    );
    expect(JSON.stringify(long)).toContain('/query');
    const empty = expectProblem(
      await post('/api/v1/knowledge-bases/docs/documents', {
        documents: [
          { id: 'ok', content: 'fine text' },
          { id: 'empty', content: '' },
        ],
      }),
      400,
      'INVALID_REQUEST',
    );
    expect(JSON.stringify(empty)).toContain('/documents/1');
    const twice = await post('/api/v1/knowledge-bases/docs/documents', {
      documents: [
        { id: 'dup', content: 'a' },
        { id: 'dup', content: 'b' },
      ],
    });
    expectProblem(twice, 400, 'INVALID_REQUEST');
    const huge = await t.request('POST', '/api/v1/knowledge-bases/docs/documents', {
      apiKey: admin,
      body: JSON.stringify({ documents: [{ content: 'x'.repeat(5 * 1024 * 1024) }] }),
    });
    expect(huge.status).toBe(413);
    const docs = await sendTo<{ items: KnowledgeDocument[] }>(
      t,
      'GET',
      '/api/v1/knowledge-bases/docs/documents?limit=100',
      {
        apiKey: admin,
      },
    );
    expect(docs.body.items.map((d) => d.id)).not.toContain('ok');
    expect(docs.body.items.map((d) => d.id)).not.toContain('dup');
    const health = await sendTo(t, 'GET', '/healthz', { apiKey: null });
    expect(health.status).toBe(200);
  });

  it('refuses to change the embedder of a base that holds documents', async () => {
    const reply = await sendTo(t, 'POST', '/api/v1/apply', {
      apiKey: admin,
      body: { items: [knowledgeBase('docs', { embedder: { type: 'gateway', model: 'embedder' } })] },
    });
    const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
    expect(JSON.stringify(problem)).toContain('embedder');
  });
});
