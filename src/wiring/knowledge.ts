import type { Logger } from 'pino';
import type { KnowledgeAccess } from '../api/index.ts';
import type { Config } from '../config/index.ts';
import type { Clock, IdGenerator } from '../core/index.ts';
import type { ModelGateway } from '../gateway/index.ts';
import type { IdentityTransactions } from '../identity/index.ts';
import {
  type EmbeddingClient,
  IngestWorker,
  KnowledgeService,
  knowledgeSearchTool,
  type RerankClient,
  type Viewer,
} from '../knowledge/index.ts';
import { KnowledgeBaseService, type RegistryTransactions } from '../registry/index.ts';
import {
  type Database,
  inTenantTransaction,
  SqlIngestJobStore,
  SqlKnowledgeStore,
  SqlLineageStore,
} from '../store/index.ts';
import type { BuiltinTool } from '../tools/index.ts';

export interface KnowledgeWiring {
  access: KnowledgeAccess;
  /** `knowledge_search`, for the tool gateway's built-ins. */
  tool: BuiltinTool;
  /** Whether dense search has pgvector's HNSW index here, or scans exactly. */
  denseIndex(): Promise<'hnsw' | 'exact'>;
  /** Starts this process's ingestion worker (where it runs workers). */
  startWorker(): void;
  close(): Promise<void>;
}

/** Embeddings through the gateway, as the platform itself (routed, limited, audited like any call). */
function gatewayEmbeddings(gateway: () => ModelGateway | undefined): EmbeddingClient {
  return {
    async embed(tenantId, model, inputs, signal) {
      const live = gateway();
      if (!live) throw new Error('the model gateway is not running');
      const { body } = await live.embeddings(
        { tenantId, principal: 'system:knowledge' },
        { model, input: [...inputs] },
        signal,
      );
      const data = (body.data ?? []) as { index?: number; embedding?: unknown }[];
      return [...data]
        .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
        .map((item) => {
          if (!Array.isArray(item.embedding))
            throw new Error(`embedding model ${model} answered no float vector`);
          return item.embedding as number[];
        });
    },
  };
}

/**
 * Knowledge bases (registry), their documents and chunks (store), ingestion jobs and their worker,
 * search, lineage, and the `knowledge_search` tool. A run's reader is the principal who started
 * it; a direct call's, its caller. A principal no longer there, disabled, or a token's subject
 * (which has no record here) reads as a member of no group, cleared for public documents only.
 */
export function wireKnowledge(
  database: Database,
  registry: RegistryTransactions,
  identity: IdentityTransactions,
  deps: {
    gateway: () => ModelGateway | undefined;
    clock: Clock;
    ids: IdGenerator;
    logger: Logger;
    config: Pick<Config, 'knowledgeRetentionSweepMs'>;
  },
): KnowledgeWiring {
  const { ids, logger } = deps;
  const bases = new KnowledgeBaseService(registry, deps.clock, ids);
  const store = new SqlKnowledgeStore(database.db, ids);
  const jobs = new SqlIngestJobStore(database.db);
  const embeddings = gatewayEmbeddings(deps.gateway);
  const worker = new IngestWorker({
    jobs,
    store,
    embeddings,
    owner: `ingest:${ids.next()}`,
    retentionEveryMs: deps.config.knowledgeRetentionSweepMs,
    onExpired: (deleted, base) =>
      logger.info({ deleted, ...base }, 'knowledge documents past retention deleted'),
    specOf: async (tenantId, name, signal) => (await bases.find(tenantId, name, signal)) ?? null,
    onError: (error, job) =>
      logger.error({ err: error, jobId: job?.id, tenantId: job?.tenantId }, 'ingest job failed'),
  });
  const reranker: RerankClient = {
    async rerank(tenantId, model, query, documents, signal) {
      const live = deps.gateway();
      if (!live) throw new Error('the model gateway is not running');
      const { body } = await live.rerank(
        { tenantId, principal: 'system:knowledge' },
        { model, query, documents: [...documents] },
        signal,
      );
      const scores = new Array<number>(documents.length).fill(Number.NEGATIVE_INFINITY);
      for (const result of (body.results ?? []) as { index: number; relevance_score: number }[])
        if (result.index < scores.length) scores[result.index] = result.relevance_score;
      return scores;
    },
  };
  const knowledge = new KnowledgeService({
    bases,
    store,
    jobs,
    lineage: new SqlLineageStore(database.db, ids),
    ids,
    embeddings,
    reranker,
    onRerankError: (error) => logger.warn({ err: error }, 'cross-encoder unavailable: re-ranked lexically'),
    worker,
  });
  const viewerOf = async (
    tenantId: string,
    who: { runId?: string | undefined; principal?: string | undefined },
  ): Promise<Viewer> => {
    let name = who.principal;
    if (who.runId) {
      const runId = who.runId;
      const run = await inTenantTransaction(database.db, tenantId, (trx) =>
        trx.selectFrom('runs').select('created_by').where('id', '=', runId).executeTakeFirst(),
      );
      name = run?.created_by;
    }
    const principal = name
      ? await identity.run(tenantId, ({ principals }) => principals.getByName(name))
      : null;
    return principal && !principal.disabled
      ? { groups: principal.groups, clearance: principal.clearance }
      : { groups: [], clearance: 1 };
  };
  let started = false;
  return {
    access: { bases, knowledge },
    tool: knowledgeSearchTool(knowledge, viewerOf),
    denseIndex: () => store.denseIndex(),
    startWorker: () => {
      started = true;
      worker.start();
    },
    close: async () => {
      if (started) await worker.stop();
    },
  };
}
