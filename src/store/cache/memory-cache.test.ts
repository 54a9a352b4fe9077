import { describeCacheContract } from './cache.contract.ts';
import { MemoryCache } from './memory-cache.ts';

describeCacheContract('memory', async () => new MemoryCache());
