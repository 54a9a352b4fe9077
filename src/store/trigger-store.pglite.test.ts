import { openDatabase } from './index.ts';
import { describeTriggerStoreContract } from './trigger-store.contract.ts';

describeTriggerStoreContract('pglite', () => openDatabase({}));
