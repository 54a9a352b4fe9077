import {
  API_VERSION,
  type ApplyAction,
  type KnowledgeBase,
  type KnowledgeBaseSpec,
  type KnowledgeBaseWrite,
} from '../contracts/index.ts';
import { AppError, type Clock, canonicalJson, type IdGenerator } from '../core/index.ts';
import type { KnowledgeBaseRecord, KnowledgeBaseStore, RegistryTransactions } from './ports.ts';
import { metadataOf } from './resources.ts';
import { reconcileSpec, SpecResourceService, type SpecWrite } from './spec-resource-service.ts';

const NOUN = 'knowledge base';

export function toKnowledgeBaseResource(record: KnowledgeBaseRecord): KnowledgeBase {
  return { apiVersion: API_VERSION, kind: 'KnowledgeBase', metadata: metadataOf(record), spec: record.spec };
}

/**
 * Throws INVALID_REQUEST at `spec/embedder` when a write would change the embedder of a base that
 * holds documents: their vectors and the new queries' would not be comparable.
 */
export async function checkKnowledgeBase(
  store: KnowledgeBaseStore,
  write: SpecWrite<KnowledgeBaseSpec>,
  pointer = '/spec/embedder',
): Promise<void> {
  const existing = await store.get(write.metadata.name);
  if (!existing || canonicalJson(existing.spec.embedder) === canonicalJson(write.spec.embedder)) return;
  const documents = await store.documentCount(existing.id);
  if (documents === 0) return;
  const detail = `the embedder cannot change while the base holds documents (${documents}); delete them or create a new base`;
  throw new AppError('INVALID_REQUEST', detail, { fieldErrors: [{ pointer, detail }] });
}

export function reconcileKnowledgeBase(
  ctx: { knowledgeBases: KnowledgeBaseStore; clock: Clock; ids: IdGenerator },
  write: KnowledgeBaseWrite,
): Promise<{ action: ApplyAction; record: KnowledgeBaseRecord }> {
  return reconcileSpec(ctx.knowledgeBases, ctx, NOUN, write);
}

/** Knowledge bases (kind: KnowledgeBase): their settings; documents live in the knowledge component. */
export class KnowledgeBaseService extends SpecResourceService<KnowledgeBaseSpec, KnowledgeBase> {
  constructor(transactions: RegistryTransactions, clock: Clock, ids: IdGenerator) {
    super(transactions, clock, ids, {
      noun: NOUN,
      store: (stores) => stores.knowledgeBases,
      toResource: toKnowledgeBaseResource,
      check: (stores, write) => checkKnowledgeBase(stores.knowledgeBases, write),
    });
  }
}
