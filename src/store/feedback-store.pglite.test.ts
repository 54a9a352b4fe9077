import { describeFeedbackStoreContract } from './feedback-store.contract.ts';
import { openDatabase } from './index.ts';

describeFeedbackStoreContract('pglite', () => openDatabase({}));
