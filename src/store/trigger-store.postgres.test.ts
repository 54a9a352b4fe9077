import { afterAll, describe } from 'vitest';
import { TEST_DATABASE_URL, uniqueSchema } from '../../test/support/env.ts';
import { dangerouslyDropSchema } from '../../test/support/store.ts';
import { openDatabase } from './index.ts';
import { describeTriggerStoreContract } from './trigger-store.contract.ts';

describe.skipIf(!TEST_DATABASE_URL)('postgres', () => {
  const url = TEST_DATABASE_URL ?? '';
  const schema = uniqueSchema('triggers');

  afterAll(async () => {
    await dangerouslyDropSchema(url, schema);
  });

  describeTriggerStoreContract('postgres', () => openDatabase({ url, schema }));
});
