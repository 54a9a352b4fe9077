import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { autoSharedBuffersMb, relationBytes } from './pglite-cache.ts';
import { hasCluster, seedFromTemplate } from './pglite-template.ts';
import { PgliteThread } from './pglite-thread.ts';
import { PostgresListener } from './postgres-listener.ts';
import { PreparingClient } from './prepared-statements.ts';
import type { DB } from './schema.ts';

export const DATABASE_KINDS = ['pglite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

export interface DatabaseOptions {
  /** postgres:// URL; without it, PGlite stores its files under dataDir. */
  url?: string | undefined;
  dataDir?: string | undefined;
  /** Schema for every table (default public). Created if missing. */
  schema?: string | undefined;
  /** Pool size for a Postgres server (PGlite is one session, always 1). */
  poolSize?: number;
  /**
   * PGlite's buffer cache in MB, or `auto` (the default): sized from the cluster's tables and
   * indexes (`autoSharedBuffersMb`). Ignored for a server.
   */
  sharedBuffersMb?: number | 'auto' | undefined;
}

/** An open database: one Kysely instance over one PostgresDialect, whichever engine is behind it. */
export interface Database {
  readonly kind: DatabaseKind;
  readonly schema: string;
  readonly db: Kysely<DB>;
  /** Where PGlite keeps its files; null for a server. */
  readonly location: string | null;
  /** PGlite's buffer cache in MB; null for a server (its own configuration decides). */
  readonly sharedBuffersMb: number | null;
  /**
   * Delivers NOTIFY payloads on a channel (committed transactions only). Postgres: a dedicated
   * connection that re-listens after a reconnect; PGlite: its one session LISTENs, and the
   * notifications come back with the answer to the committing statement.
   */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens PGlite (embedded, real Postgres in WebAssembly, in a worker thread) or a PostgreSQL server
 * behind the same dialect, so one SQL code path serves both. PGlite is single-session: the pool
 * has exactly one client, which also serialises transactions correctly.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`invalid schema name ${schema}`);
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      options: `-c search_path=${schema}`,
      Client: PreparingClient,
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    await ensureSchema(db, schema);
    const listener = new PostgresListener(options.url);
    return {
      kind: 'postgres',
      schema,
      db,
      location: null,
      sharedBuffersMb: null,
      listen: (channel, handler) => listener.listen(channel, handler),
      close: async () => {
        await listener.close();
        await db.destroy();
      },
    };
  }
  // Without a data dir, the store lives in a temporary directory removed on close.
  const ephemeral = options.dataDir ? null : mkdtempSync(join(tmpdir(), 'agenticai-pglite-'));
  const location = options.dataDir ? join(options.dataDir, 'pgdata') : (ephemeral as string);
  mkdirSync(location, { recursive: true });
  if (!hasCluster(location)) await seedFromTemplate(location);
  // pgvector ships with PGlite (the worker loads it): the semantic cache and knowledge search
  // compute distances in SQL.
  const sharedBuffersMb =
    options.sharedBuffersMb === undefined || options.sharedBuffersMb === 'auto'
      ? autoSharedBuffersMb(relationBytes(location))
      : options.sharedBuffersMb;
  const thread = await PgliteThread.start(location, sharedBuffersMb);
  const pool = new pg.Pool({
    max: 1,
    // Like the thread, an idle pool holds no process open.
    allowExitOnIdle: true,
    stream: () => thread.socket(),
    user: 'postgres',
    database: 'postgres',
    Client: PreparingClient,
  } as pg.PoolConfig);
  const notifications = new NotificationRouter((statement) =>
    sql
      .raw(statement)
      .execute(db)
      .then(() => undefined),
  );
  pool.on('connect', (client) => client.on('notification', (message) => notifications.deliver(message)));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  await ensureSchema(db, schema);
  if (schema !== 'public') await sql`set search_path to ${sql.id(schema)}`.execute(db);
  return {
    kind: 'pglite',
    schema,
    db,
    location: ephemeral ? null : location,
    sharedBuffersMb,
    listen: (channel, handler) => notifications.listen(channel, handler),
    close: async () => {
      await db.destroy();
      await thread.close();
      if (ephemeral) rmSync(ephemeral, { recursive: true, force: true });
    },
  };
}

/**
 * LISTEN over PGlite's one session: the first handler of a channel LISTENs, the last one gone
 * UNLISTENs; notifications reach every handler of their channel.
 */
class NotificationRouter {
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();

  constructor(private readonly run: (statement: string) => Promise<void>) {}

  async listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
      await this.run(`listen ${quoteIdentifier(channel)}`);
    }
    handlers.add(handler);
    return async () => {
      const current = this.#handlers.get(channel);
      if (!current?.delete(handler) || current.size > 0) return;
      this.#handlers.delete(channel);
      await this.run(`unlisten ${quoteIdentifier(channel)}`);
    };
  }

  deliver(message: { channel: string; payload?: string | undefined }): void {
    for (const handler of this.#handlers.get(message.channel) ?? []) handler(message.payload ?? '');
  }
}

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

async function ensureSchema(db: Kysely<DB>, schema: string): Promise<void> {
  if (schema === 'public') return;
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db).catch(async (error: unknown) => {
    // Two replicas creating the same schema at once: the loser sees a duplicate; the schema exists.
    const exists = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_namespace where nspname = ${schema}`.execute(db);
    if (exists.rows[0]?.n !== 1) throw error;
  });
}
