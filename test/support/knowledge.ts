import { expect } from 'vitest';
import type { IngestJob, SearchResponse } from '../../src/contracts/index.ts';
import { sendTo } from './http.ts';
import type { TestPlatform } from './platform.ts';

/** A KnowledgeBase manifest: markdown-heading chunks of 400 characters unless `spec` says otherwise. */
export function knowledgeBase(name: string, spec: object = {}) {
  return {
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'KnowledgeBase',
    metadata: { name },
    spec: { chunking: { strategy: 'markdown-headings', size: 400, overlap: 40 }, ...spec },
  };
}

/** Ingests documents and waits for the job, asserting it finished (200). */
export async function ingest(
  t: TestPlatform,
  key: string,
  kb: string,
  documents: object[],
): Promise<IngestJob> {
  const reply = await sendTo<IngestJob>(t, 'POST', `/api/v1/knowledge-bases/${kb}/documents?wait=true`, {
    apiKey: key,
    body: { documents },
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

/** Searches as `key`, asserting 200. */
export async function search(
  t: TestPlatform,
  key: string,
  kb: string,
  body: object,
): Promise<SearchResponse> {
  const reply = await sendTo<SearchResponse>(t, 'POST', `/api/v1/knowledge-bases/${kb}/search`, {
    apiKey: key,
    body,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}
