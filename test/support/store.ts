import pg from 'pg';

/** Drops a Postgres schema a store test created, with every table in it; destroys its data. */
export async function dangerouslyDropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
