import { openDatabase } from './index.ts';
import { describeModelAliasStoreContract } from './model-alias-store.contract.ts';

describeModelAliasStoreContract('pglite', () => openDatabase({}));
