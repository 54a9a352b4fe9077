import type { Hono } from 'hono';
import type { z } from 'zod';
import { type DocumentInput, type MultipartIngestSchema, parseJson, routes } from '../../contracts/index.ts';
import { AppError } from '../../core/index.ts';
import type { Authenticator } from '../../identity/index.ts';
import type { KnowledgeService } from '../../knowledge/index.ts';
import type { KnowledgeBaseService } from '../../registry/index.ts';
import { bindRoute } from '../bind-route.ts';
import type { AppEnv } from '../context.ts';
import { parseLabelSelector } from './label-selector.ts';

export interface KnowledgeAccess {
  bases: KnowledgeBaseService;
  knowledge: KnowledgeService;
}

/** A multipart upload as documents: each file one, the form's fields applied to all. */
function fromMultipart(form: z.infer<typeof MultipartIngestSchema>): DocumentInput[] {
  let metadata: Record<string, string | number | boolean> | undefined;
  if (form.metadata !== undefined) {
    const parsed = parseJson(form.metadata);
    const value = parsed.ok ? parsed.value : undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new AppError('INVALID_REQUEST', 'the metadata field must be a JSON object', {
        fieldErrors: [{ pointer: '/metadata', detail: 'must be a JSON object' }],
      });
    metadata = value as Record<string, string | number | boolean>;
  }
  const files = Array.isArray(form.file) ? form.file : [form.file];
  return files.map((file) => ({
    source: file.filename,
    content_base64: file.content_base64,
    ...(metadata ? { metadata } : {}),
    ...(form.access_group ? { access_group: form.access_group } : {}),
    ...(form.sensitivity_level ? { sensitivity_level: Number(form.sensitivity_level) } : {}),
  }));
}

export function knowledgeRoutes(
  app: Hono<AppEnv>,
  authenticator: Authenticator,
  access: KnowledgeAccess,
): void {
  const { bases, knowledge } = access;
  bindRoute(app, routes.listKnowledgeBases, authenticator, async ({ caller, query, signal }) => {
    const page = await bases.list(
      caller.tenantId,
      { limit: query.limit, cursor: query.cursor, labels: parseLabelSelector(query.labelSelector) },
      signal,
    );
    const items = await Promise.all(
      page.items.map(async (base) => ({
        ...base,
        status: await knowledge.stats(caller.tenantId, base, signal),
      })),
    );
    return { body: { ...page, items } };
  });
  bindRoute(app, routes.createKnowledgeBase, authenticator, async ({ caller, body, signal }) => {
    const base = await bases.create(caller.tenantId, body, signal);
    return { body: base, headers: { location: `/api/v1/knowledge-bases/${base.metadata.name}` } };
  });
  bindRoute(app, routes.getKnowledgeBase, authenticator, async ({ caller, params, signal }) => {
    const base = await bases.get(caller.tenantId, params.name, signal);
    return { body: { ...base, status: await knowledge.stats(caller.tenantId, base, signal) } };
  });
  bindRoute(
    app,
    routes.replaceKnowledgeBase,
    authenticator,
    async ({ caller, params, body, expectedVersion, signal }) => ({
      body: await bases.replace(caller.tenantId, params.name, body, { expectedVersion, signal }),
    }),
  );
  bindRoute(
    app,
    routes.deleteKnowledgeBase,
    authenticator,
    async ({ caller, params, expectedVersion, signal }) => {
      await bases.delete(caller.tenantId, params.name, { expectedVersion, signal });
      return { body: undefined };
    },
  );
  bindRoute(app, routes.ingestDocuments, authenticator, async ({ caller, params, query, body, signal }) => {
    const documents = 'documents' in body ? body.documents : fromMultipart(body);
    let job = await knowledge.ingest(caller.tenantId, caller.principalName, params.name, documents, signal);
    if (query.wait === 'true') job = await knowledge.waitForJob(caller.tenantId, params.name, job.id, signal);
    const done = job.status !== 'queued' && job.status !== 'running';
    return {
      body: job,
      status: done ? 200 : 202,
      headers: { location: `/api/v1/knowledge-bases/${params.name}/jobs/${job.id}` },
    };
  });
  bindRoute(app, routes.listDocuments, authenticator, async ({ caller, params, query, signal }) => ({
    body: await knowledge.documents(caller.tenantId, caller, params.name, query, signal),
  }));
  bindRoute(app, routes.deleteDocument, authenticator, async ({ caller, params, signal }) => {
    await knowledge.deleteDocument(caller.tenantId, params.name, params.document, signal);
    return { body: undefined };
  });
  bindRoute(app, routes.listIngestJobs, authenticator, async ({ caller, params, query, signal }) => ({
    body: await knowledge.jobs(caller.tenantId, params.name, query, signal),
  }));
  bindRoute(app, routes.getIngestJob, authenticator, async ({ caller, params, signal }) => ({
    body: await knowledge.job(caller.tenantId, params.name, params.job, signal),
  }));
  bindRoute(app, routes.searchKnowledgeBase, authenticator, async ({ caller, params, body, signal }) => ({
    body: await knowledge.search(caller.tenantId, caller, params.name, body, signal),
  }));
  bindRoute(app, routes.getRunLineage, authenticator, async ({ caller, params, signal }) => ({
    body: await knowledge.lineage(caller.tenantId, params.id, signal),
  }));
}
