import type { Logger } from 'pino';
import type { Caller } from '../identity/index.ts';

/** Per-request values Hono carries between middleware and handlers. */
export type AppEnv = {
  Variables: {
    requestId: string;
    caller: Caller | undefined;
    logger: Logger;
  };
};
