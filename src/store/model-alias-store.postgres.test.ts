import { afterAll, describe } from 'vitest';
import { TEST_DATABASE_URL, uniqueSchema } from '../../test/support/env.ts';
import { dangerouslyDropSchema } from '../../test/support/store.ts';
import { openDatabase } from './index.ts';
import { describeModelAliasStoreContract } from './model-alias-store.contract.ts';

describe.skipIf(!TEST_DATABASE_URL)('postgres', () => {
  const url = TEST_DATABASE_URL ?? '';
  const schema = uniqueSchema('aliases');

  afterAll(async () => {
    await dangerouslyDropSchema(url, schema);
  });

  describeModelAliasStoreContract('postgres', () => openDatabase({ url, schema }));
});
