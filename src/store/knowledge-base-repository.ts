import { type KnowledgeBaseSpec, KnowledgeBaseSpecSchema } from '../contracts/index.ts';
import type { KnowledgeBaseStore } from '../registry/index.ts';
import { type SpecKind, SqlSpecStore } from './spec-resource-repository.ts';
import type { Tx } from './tenant-scope.ts';

const KIND: SpecKind<KnowledgeBaseSpec> = {
  table: 'knowledge_bases',
  noun: 'knowledge base',
  schema: KnowledgeBaseSpecSchema,
};

/** Knowledge bases of one tenant; every write notifies the knowledge channel. */
export class SqlKnowledgeBaseStore extends SqlSpecStore<KnowledgeBaseSpec> implements KnowledgeBaseStore {
  constructor(
    private readonly tx: Tx,
    tenantId: string,
    channel: string,
  ) {
    super(tx, tenantId, channel, KIND);
  }

  async documentCount(id: string): Promise<number> {
    const row = await this.tx
      .selectFrom('knowledge_documents')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('kb_id', '=', id)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }
}
