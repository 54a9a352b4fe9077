import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Signals } from '../orchestrator/index.ts';
import type { Database } from './database.ts';
import type { Tx } from './tenant-scope.ts';

/** NOTIFY channels, one set per schema so installs sharing a database do not wake each other. */
export function channelsFor(schema: string) {
  const tag = createHash('sha256').update(schema).digest('hex').slice(0, 10);
  return {
    ready: `agenticai_${tag}_ready`,
    events: `agenticai_${tag}_events`,
    control: `agenticai_${tag}_control`,
    /** Payload: a tenant id whose policies changed. */
    policies: `agenticai_${tag}_policies`,
    /** Payload: a tenant id whose model backends or aliases changed. */
    models: `agenticai_${tag}_models`,
    /** Payload: a tenant id whose principals or API keys changed (revoked, disabled, deleted). */
    identity: `agenticai_${tag}_identity`,
    /** Payload: a tenant id whose secrets changed. */
    secrets: `agenticai_${tag}_secrets`,
    /** Payload: a tenant id whose tools or tool servers changed. */
    tools: `agenticai_${tag}_tools`,
    /** Payload: a tenant id whose triggers changed. */
    triggers: `agenticai_${tag}_triggers`,
  };
}
export type Channels = ReturnType<typeof channelsFor>;

/** Sends a notification that is delivered when (and only if) the transaction commits. */
export async function notify(trx: Tx, channel: string, payload: string): Promise<void> {
  await sql`select pg_notify(${channel}, ${payload})`.execute(trx);
}

/** Signals over the database's own NOTIFY: Postgres across processes, PGlite within its one process. */
export class DatabaseSignals implements Signals {
  readonly #channels: Channels;

  constructor(private readonly database: Database) {
    this.#channels = channelsFor(database.schema);
  }

  onRunnable(handler: () => void): Promise<() => Promise<void>> {
    return this.database.listen(this.#channels.ready, () => handler());
  }

  onRunEvents(handler: (runId: string, seq: number) => void): Promise<() => Promise<void>> {
    return this.database.listen(this.#channels.events, (payload) => {
      const separator = payload.lastIndexOf(':');
      const seq = Number(payload.slice(separator + 1));
      if (separator > 0 && Number.isInteger(seq)) handler(payload.slice(0, separator), seq);
    });
  }

  onRunControl(handler: (runId: string) => void): Promise<() => Promise<void>> {
    return this.database.listen(this.#channels.control, handler);
  }
}
