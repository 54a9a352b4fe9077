import { openDatabase } from './index.ts';
import { describeKnowledgeStoreContract } from './knowledge-store.contract.ts';

describeKnowledgeStoreContract('pglite', () => openDatabase({}), 'hnsw');
