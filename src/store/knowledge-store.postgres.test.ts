import { afterAll, describe } from 'vitest';
import { TEST_DATABASE_URL, uniqueSchema } from '../../test/support/env.ts';
import { dangerouslyDropSchema } from '../../test/support/store.ts';
import { openDatabase } from './index.ts';
import { describeKnowledgeStoreContract } from './knowledge-store.contract.ts';

// Debian's PostgreSQL has no pgvector: dense search here is the exact scan.
describe.skipIf(!TEST_DATABASE_URL)('postgres', () => {
  const url = TEST_DATABASE_URL ?? '';
  const schema = uniqueSchema('knowledge');

  afterAll(async () => {
    await dangerouslyDropSchema(url, schema);
  });

  describeKnowledgeStoreContract('postgres', () => openDatabase({ url, schema }), 'exact');
});
