import { afterAll, describe } from 'vitest';
import { TEST_DATABASE_URL, uniqueSchema } from '../../test/support/env.ts';
import { dangerouslyDropSchema } from '../../test/support/store.ts';
import { describeAuditStoreContract } from './audit-store.contract.ts';
import { openDatabase } from './index.ts';

describe.skipIf(!TEST_DATABASE_URL)('postgres', () => {
  const url = TEST_DATABASE_URL ?? '';
  const schema = uniqueSchema('audit');

  afterAll(async () => {
    await dangerouslyDropSchema(url, schema);
  });

  describeAuditStoreContract('postgres', () => openDatabase({ url, schema, poolSize: 16 }));
});
