import { type RawBuilder, sql } from 'kysely';
import pg from 'pg';

const MARKER = /^\/\* prepared:([a-z][a-z0-9_]{0,62}) \*\/ /;

/**
 * Put first in a statement whose text never changes between calls (only its parameters do): the
 * connection then parses and plans it once and reuses the plan (a named prepared statement),
 * where an ordinary parameterised query is parsed and planned on every call. On the worker's
 * per-step writes, planning cost more than executing. One name, one text: node-postgres refuses a
 * name reused with another text.
 */
export function preparedAs(name: string): RawBuilder<unknown> {
  if (!MARKER.test(`/* prepared:${name} */ `)) throw new TypeError(`invalid statement name ${name}`);
  return sql.raw(`/* prepared:${name} */ `);
}

/**
 * A node-postgres client that sends marked statements as named prepared statements (Kysely
 * always calls `query(text, values)`, with no way to pass a name). Works over a server and over
 * PGlite's node-postgres adapter alike.
 */
export class PreparingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: node-postgres' query has a dozen overloads; this forwards them all.
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && Array.isArray(values)) {
      const name = MARKER.exec(config)?.[1];
      if (name) return super.query({ name, text: config, values }, callback);
    }
    return super.query(config, values, callback);
  }
}
