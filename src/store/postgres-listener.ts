import pg from 'pg';

const RECONNECT_MS = 1000;

/**
 * LISTEN on a dedicated connection (a pooled one would lose its LISTENs when returned). On a
 * dropped connection it reconnects and listens again; notifications sent while it was down are
 * lost, which is why workers also poll and SSE streams read the table, never trusting NOTIFY alone.
 */
export class PostgresListener {
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  #closed = false;

  constructor(private readonly url: string) {}

  async listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    let handlers = this.#handlers.get(channel);
    const client = await this.#connect();
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
      await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    }
    handlers.add(handler);
    return async () => {
      const current = this.#handlers.get(channel);
      current?.delete(handler);
      if (current?.size === 0) {
        this.#handlers.delete(channel);
        await this.#client?.query(`unlisten ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
      }
    };
  }

  #connect(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('notification', (message) => {
        for (const handler of this.#handlers.get(message.channel) ?? []) handler(message.payload ?? '');
      });
      const dropped = () => {
        if (this.#client !== client) return;
        this.#client = null;
        this.#scheduleReconnect();
      };
      client.on('error', dropped);
      client.on('end', dropped);
      try {
        await client.connect();
        for (const channel of this.#handlers.keys())
          await client.query(`listen ${pg.escapeIdentifier(channel)}`);
      } finally {
        this.#connecting = null;
      }
      this.#client = client;
      return client;
    })();
    return this.#connecting;
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      if (!this.#closed && this.#handlers.size > 0 && !this.#client)
        this.#connect().catch(() => this.#scheduleReconnect());
    }, RECONNECT_MS);
    timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#handlers.clear();
    const client = this.#client ?? (this.#connecting ? await this.#connecting.catch(() => null) : null);
    this.#client = null;
    await client?.end().catch(() => undefined);
  }
}
