import { afterAll, describe } from 'vitest';
import { TEST_DATABASE_URL, uniqueSchema } from '../../test/support/env.ts';
import { dangerouslyDropSchema } from '../../test/support/store.ts';
import { describeFeedbackStoreContract } from './feedback-store.contract.ts';
import { openDatabase } from './index.ts';

describe.skipIf(!TEST_DATABASE_URL)('postgres', () => {
  const url = TEST_DATABASE_URL ?? '';
  const schema = uniqueSchema('feedback');

  afterAll(async () => {
    await dangerouslyDropSchema(url, schema);
  });

  describeFeedbackStoreContract('postgres', () => openDatabase({ url, schema }));
});
