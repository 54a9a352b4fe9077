import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeDocument, RunLineage } from '../../src/contracts/index.ts';
import { applyAs, isolatedTenant, member } from '../support/governance.ts';
import { sendTo } from '../support/http.ts';
import { ingest, knowledgeBase, search } from '../support/knowledge.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { startRun, waitForStatus, workflowAgent } from '../support/runs.ts';
import { type ScriptedModelServer, startScriptedModelServer } from '../support/scripted-model-server.ts';

/**
 * Access control at query time: a confidential chunk, or one of a group the reader is not in,
 * never reaches them — not through search, not through an agent's tool call and answer, and not
 * through the gateway's semantic cache filled by a run of someone cleared for it.
 */
let t: TestPlatform;
let upstream: ScriptedModelServer;
let tenant: string;
let admin: string;
let analyst: { name: string; key: string };
let lead: { name: string; key: string };

const CONFIDENTIAL = 'CANARY-CONF-7731';
const GROUP_ONLY = 'CANARY-GROUP-4410';
const manifest = (kind: string, name: string, spec: object) => ({
  apiVersion: 'agenticai.dev/v1alpha1',
  kind,
  metadata: { name },
  spec,
});
const retrieval = { name: 'knowledge_search', type: 'retrieval', config: { collection: 'sec', topK: 10 } };

beforeAll(async () => {
  upstream = await startScriptedModelServer();
  t = await startTestPlatform({ workerPollMs: 100 });
  ({ tenant, admin } = await isolatedTenant(t));
  analyst = await member(t, tenant, ['developer'], []);
  lead = await member(t, tenant, ['developer'], ['ir-team'], 3);
  await applyAs(t, admin, [
    knowledgeBase('sec'),
    manifest('ModelBackend', 'llm', {
      type: 'openai-compatible',
      endpoint: upstream.url,
      models: ['m', 'emb'],
    }),
    manifest('ModelAlias', 'assistant', {
      targets: [{ backend: 'llm', model: 'm' }],
      cache: { semantic: { enabled: true, embedding_model: 'llm/emb' } },
    }),
    workflowAgent(
      'lookup',
      {
        nodes: [{ id: 'search', type: 'tool', tool: 'knowledge_search', args: { query: '${input.text}' } }],
        output: '${nodes.search.output}',
      },
      { tools: [retrieval] },
    ),
    manifest('Agent', 'rag-flow', {
      model: { backend: 'assistant', name: 'm', temperature: 0 },
      runtime: 'workflow',
      tools: [retrieval],
      workflow: {
        nodes: [
          {
            id: 'search',
            type: 'tool',
            tool: 'knowledge_search',
            args: { query: '${input.text}' },
            next: 'answer',
          },
          {
            id: 'answer',
            type: 'llm',
            prompt: 'Passages: ${nodes.search.output.results}\nQuestion: ${input.text}',
          },
        ],
        output: '${nodes.answer.output}',
      },
    }),
    manifest('Agent', 'rag', {
      model: { backend: 'assistant', name: 'm', temperature: 0 },
      systemPrompt: 'Answer from the knowledge base and cite passages as [chunk:ID].',
      runtime: 'react',
      tools: [retrieval],
    }),
  ]);
  await ingest(t, admin, 'sec', [
    {
      id: 'faq',
      content: '# FAQ\nIncident tickets are opened in the service desk. Canary summary: none here.',
      sensitivity_level: 1,
    },
    {
      id: 'ir-report',
      content: `# IR report\nThe intrusion used key ${CONFIDENTIAL} on the canary host.`,
      sensitivity_level: 3,
    },
    {
      id: 'ir-notes',
      content: `# IR notes\nThe canary host token is ${GROUP_ONLY}.`,
      access_group: 'ir-team',
    },
  ]);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await upstream?.close();
});

describe('access at query time', { timeout: 60_000 }, () => {
  it('never returns a chunk above the reader’s clearance or outside their groups, in any mode', async () => {
    for (const mode of ['hybrid', 'dense', 'sparse'] as const) {
      const seen = await search(t, analyst.key, 'sec', {
        query: `${CONFIDENTIAL} ${GROUP_ONLY} canary host`,
        top_k: 100,
        mode,
      });
      const text = JSON.stringify(seen);
      expect(text, mode).not.toContain(CONFIDENTIAL);
      expect(text, mode).not.toContain(GROUP_ONLY);
      expect(seen.results.map((hit) => hit.documentId)).toEqual(
        mode === 'dense' ? expect.any(Array) : ['faq'],
      );
    }
    const cleared = await search(t, lead.key, 'sec', { query: `${CONFIDENTIAL} ${GROUP_ONLY}`, top_k: 5 });
    expect(cleared.results.map((hit) => hit.documentId)).toEqual(
      expect.arrayContaining(['ir-notes', 'ir-report']),
    );
    const docs = await sendTo<{ items: KnowledgeDocument[] }>(
      t,
      'GET',
      '/api/v1/knowledge-bases/sec/documents',
      {
        apiKey: analyst.key,
      },
    );
    expect(docs.body.items.map((d) => d.id)).toEqual(['faq']);
  });

  it('answers an agent’s tool call as the run’s user, and records what the run retrieved', async () => {
    const query = { input: { text: `${CONFIDENTIAL} ${GROUP_ONLY} canary host` } };
    const denied = await waitForStatus(
      t,
      (await startRun(t, 'lookup', query, { apiKey: analyst.key })).id,
      'completed',
      { apiKey: analyst.key },
    );
    expect(JSON.stringify(denied.output)).not.toContain(CONFIDENTIAL);
    expect(JSON.stringify(denied.output)).not.toContain(GROUP_ONLY);

    const allowed = await waitForStatus(
      t,
      (await startRun(t, 'lookup', query, { apiKey: lead.key })).id,
      'completed',
      { apiKey: lead.key },
    );
    expect(JSON.stringify(allowed.output)).toContain(CONFIDENTIAL);
    const lineage = await sendTo<RunLineage>(t, 'GET', `/api/v1/runs/${allowed.id}/lineage`, {
      apiKey: lead.key,
    });
    expect(lineage.status).toBe(200);
    expect(lineage.body.chunks.map((chunk) => chunk.documentId)).toContain('ir-report');
    expect(lineage.body.chunks.every((chunk) => chunk.knowledgeBase === 'sec')).toBe(true);
    // The workflow's output carries every passage's [chunk:ID]: each is a citation.
    expect(lineage.body.citations.sort()).toEqual(lineage.body.chunks.map((chunk) => chunk.chunkId).sort());
    const none = await sendTo<RunLineage>(t, 'GET', `/api/v1/runs/${denied.id}/lineage`, {
      apiKey: analyst.key,
    });
    expect(none.body.chunks.map((chunk) => chunk.documentId)).not.toContain('ir-report');
  });

  it('caches an answer built on confidential passages at their level, out of a less-cleared reader’s reach', async () => {
    // The model double answers from the passages in its prompt.
    upstream.setHandler((request) =>
      request.body.messages.some((message) => message.content?.includes(CONFIDENTIAL))
        ? { content: `The intrusion used ${CONFIDENTIAL}.` }
        : { content: 'No key is recorded in the documents you can read.' },
    );
    const question = { input: { text: 'intrusion key canary host' } };
    const leadRun = await waitForStatus(
      t,
      (await startRun(t, 'rag-flow', question, { apiKey: lead.key })).id,
      'completed',
      { apiKey: lead.key },
    );
    expect(JSON.stringify(leadRun.output)).toContain(CONFIDENTIAL);
    const callsAfterLead = upstream.requestCount;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The analyst's prompt differs only in the passages it may read: near enough for the semantic
    // cache, which must not serve the lead's answer, produced at level 3.
    const analystRun = await waitForStatus(
      t,
      (await startRun(t, 'rag-flow', question, { apiKey: analyst.key })).id,
      'completed',
      { apiKey: analyst.key },
    );
    expect(JSON.stringify(analystRun.output)).not.toContain(CONFIDENTIAL);
    expect(upstream.requestCount).toBeGreaterThan(callsAfterLead);
  });

  it('answers a tool-using agent afresh after its search, never from a cached answer to other results', async () => {
    const question = { input: 'What key did the intrusion use on the canary host?' };
    // The model double searches first, then answers from what the search returned.
    upstream.setHandler((request) => {
      const tool = request.body.messages.filter((message) => message.role === 'tool').at(-1);
      if (!tool)
        return {
          toolCalls: [{ name: 'knowledge_search', arguments: { query: 'intrusion key canary host' } }],
        };
      return tool.content?.includes(CONFIDENTIAL)
        ? { content: `The intrusion used ${CONFIDENTIAL}.` }
        : { content: 'No key is recorded in the documents you can read.' };
    });
    const leadRun = await waitForStatus(
      t,
      (await startRun(t, 'rag', question, { apiKey: lead.key })).id,
      'completed',
      { apiKey: lead.key },
    );
    expect(JSON.stringify(leadRun.output)).toContain(CONFIDENTIAL);
    const callsAfterLead = upstream.requestCount;
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Same question, same agent, same tools: without the sensitivity of the lead's context on
    // their answer, the semantic cache would hand it to the analyst.
    const analystRun = await waitForStatus(
      t,
      (await startRun(t, 'rag', question, { apiKey: analyst.key })).id,
      'completed',
      { apiKey: analyst.key },
    );
    expect(JSON.stringify(analystRun.output)).not.toContain(CONFIDENTIAL);
    expect(JSON.stringify(analystRun.output)).toContain('No key is recorded');
    expect(upstream.requestCount).toBeGreaterThan(callsAfterLead);
  });
});
