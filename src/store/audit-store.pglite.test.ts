import { describeAuditStoreContract } from './audit-store.contract.ts';
import { openDatabase } from './index.ts';

describeAuditStoreContract('pglite', () => openDatabase({}));
